using Micro.Plugins;
using Micro.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Postgres.Sync;

public static class PostgresSyncServiceCollectionExtensions
{
    /// <summary>
    /// Makes "postgres" selectable by configuration: MICRO_SYNC=postgres with MICRO_SYNC_ADDRESS=an Npgsql
    /// connection string.
    /// </summary>
    public static IServiceCollection AddMicroPostgresSync(this IServiceCollection services) =>
        services.AddPlugin<ISync>("postgres", sp => new PostgresSync(
            PostgresAddress.Required(MicroSettings.Address(sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(), "sync"), "Sync"), time: sp.GetService<TimeProvider>()));

    /// <summary>Uses PostgreSQL (or CockroachDB) for locks and elections, whatever the configuration says.</summary>
    public static IServiceCollection AddPostgresSync(this IServiceCollection services, string connectionString) =>
        services.AddSingleton<ISync>(sp => new PostgresSync(connectionString, time: sp.GetService<TimeProvider>()));
}
