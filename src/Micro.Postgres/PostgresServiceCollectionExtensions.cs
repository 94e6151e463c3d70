using Micro.Postgres.Store;
using Micro.Postgres.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Postgres;

public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Makes every PostgreSQL / CockroachDB plug-in selectable by configuration, without recompiling:
    /// MICRO_STORE=postgres (MICRO_STORE_ADDRESS) and MICRO_SYNC=postgres (MICRO_SYNC_ADDRESS).
    /// </summary>
    public static IServiceCollection AddMicroPostgres(this IServiceCollection services) =>
        services.AddMicroPostgresStore().AddMicroPostgresSync();
}
