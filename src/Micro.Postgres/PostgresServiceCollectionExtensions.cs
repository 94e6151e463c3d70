using Micro.Postgres.Store;
using Micro.Postgres.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Postgres;

/// <summary>Registers every PostgreSQL / CockroachDB plug-in.</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Makes every PostgreSQL / CockroachDB plug-in selectable by configuration, without recompiling:
    /// <c>MICRO_STORE=postgres</c> (<c>MICRO_STORE_ADDRESS</c>) and <c>MICRO_SYNC=postgres</c> (<c>MICRO_SYNC_ADDRESS</c>).
    /// </summary>
    public static IServiceCollection AddPostgresPlugins(this IServiceCollection services) =>
        services.AddPostgresStorePlugin().AddPostgresSyncPlugin();
}
