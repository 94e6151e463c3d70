using Micro.Plugins;
using Micro.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Postgres.Sync;

/// <summary>Registers the PostgreSQL / CockroachDB sync.</summary>
public static class PostgresSyncServiceCollectionExtensions
{
    /// <summary>
    /// Makes "postgres" selectable by configuration: <c>MICRO_SYNC=postgres</c> with <c>MICRO_SYNC_ADDRESS</c>=an Npgsql
    /// connection string.
    /// </summary>
    public static IServiceCollection AddPostgresSyncPlugin(this IServiceCollection services) =>
        services.AddMicroSync().AddPlugin<ISync>("postgres", sp =>
        {
            var options = sp.GetRequiredService<IOptions<SyncOptions>>().Value;
            return new PostgresSync(PostgresAddress.Required(options.Address, "Sync"), options, sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger("Micro.Sync"));
        });

    /// <summary>Uses PostgreSQL (or CockroachDB) for locks and elections, whatever the configuration says; <paramref name="configure"/> sets its address and more.</summary>
    public static IServiceCollection UsePostgresSync(this IServiceCollection services, Action<SyncOptions>? configure = null) =>
        services.AddPostgresSyncPlugin().UsePlugin("Sync", "postgres", configure);
}
