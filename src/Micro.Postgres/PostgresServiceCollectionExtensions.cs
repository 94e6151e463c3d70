using Micro.Plugins;
using Micro.Postgres.Store;
using Micro.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Postgres;

public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Makes "postgres" selectable by configuration: MICRO_STORE=postgres with
    /// MICRO_STORE_ADDRESS=an Npgsql connection string.
    /// </summary>
    public static IServiceCollection AddMicroPostgres(this IServiceCollection services)
    {
        services.AddPlugin<IStore>("postgres", sp => new PostgresStore(
            RequiredAddress(sp, "store"), sp.GetService<StoreOptions>(), sp.GetService<TimeProvider>()));
        return services;
    }

    /// <summary>Uses PostgreSQL (or CockroachDB) as the store, whatever the configuration says.</summary>
    public static IServiceCollection AddPostgresStore(this IServiceCollection services, string connectionString) =>
        services.AddSingleton<IStore>(sp => new PostgresStore(connectionString, sp.GetService<StoreOptions>(), sp.GetService<TimeProvider>()));

    internal static string RequiredAddress(IServiceProvider services, string kind) =>
        MicroSettings.Address(services.GetRequiredService<IConfiguration>(), kind)
        ?? throw new InvalidOperationException($"MICRO_{kind.ToUpperInvariant()}=postgres needs MICRO_{kind.ToUpperInvariant()}_ADDRESS (an Npgsql connection string)");
}
