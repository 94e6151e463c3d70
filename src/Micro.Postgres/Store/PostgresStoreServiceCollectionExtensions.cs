using Micro.Plugins;
using Micro.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro.Postgres.Store;

/// <summary>Registers the PostgreSQL / CockroachDB store.</summary>
public static class PostgresStoreServiceCollectionExtensions
{
    /// <summary>Makes "postgres" selectable: <c>MICRO_STORE=postgres</c> with <c>MICRO_STORE_ADDRESS</c>=an Npgsql connection string.</summary>
    public static IServiceCollection AddPostgresStorePlugin(this IServiceCollection services) =>
        services.AddMicroStore().AddPlugin<IStore>("postgres", sp =>
        {
            var options = sp.GetRequiredService<IOptions<StoreOptions>>().Value;
            return new PostgresStore(PostgresAddress.Required(options.Address, "Store"), options, sp.GetService<TimeProvider>());
        });

    /// <summary>Uses PostgreSQL (or CockroachDB) as the store, whatever the configuration says; <paramref name="configure"/> sets its address and more.</summary>
    public static IServiceCollection UsePostgresStore(this IServiceCollection services, Action<StoreOptions>? configure = null) =>
        services.AddPostgresStorePlugin().UsePlugin("Store", "postgres", configure);
}
