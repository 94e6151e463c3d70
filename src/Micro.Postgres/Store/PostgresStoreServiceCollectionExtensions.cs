using Micro.Plugins;
using Micro.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Postgres.Store;

public static class PostgresStoreServiceCollectionExtensions
{
    /// <summary>Makes "postgres" selectable: MICRO_STORE=postgres with MICRO_STORE_ADDRESS=an Npgsql connection string.</summary>
    public static IServiceCollection AddMicroPostgresStore(this IServiceCollection services) =>
        services.AddPlugin<IStore>("postgres", sp => new PostgresStore(
            PostgresAddress.Required(sp, "store"), sp.GetService<StoreOptions>(), sp.GetService<TimeProvider>()));

    /// <summary>Uses PostgreSQL (or CockroachDB) as the store, whatever the configuration says.</summary>
    public static IServiceCollection AddPostgresStore(this IServiceCollection services, string connectionString) =>
        services.AddSingleton<IStore>(sp => new PostgresStore(connectionString, sp.GetService<StoreOptions>(), sp.GetService<TimeProvider>()));
}
