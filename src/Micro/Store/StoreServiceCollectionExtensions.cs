using Micro.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Micro.Store;

public static class StoreServiceCollectionExtensions
{
    /// <summary>
    /// The store chosen by MICRO_STORE (memory | file | a plug-in's name; default memory), with
    /// MICRO_STORE_ADDRESS (file: a folder), MICRO_STORE_DATABASE and MICRO_STORE_TABLE.
    /// </summary>
    public static IServiceCollection AddMicroStore(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => StoreOptionsFrom(sp.GetService<IConfiguration>(), null));
        services.AddPlugin<IStore>("memory", sp => new MemoryStore(sp.GetRequiredService<StoreOptions>(), sp.GetService<TimeProvider>()));
        services.AddPlugin<IStore>("file", sp => new FileStore(sp.GetRequiredService<StoreOptions>(), sp.GetService<TimeProvider>()));
        services.AddSelectedPlugin<IStore>("store", defaultName: "memory");
        return services;
    }

    /// <summary>Uses the in-memory store, whatever the configuration says.</summary>
    public static IServiceCollection AddMemoryStore(this IServiceCollection services, StoreOptions? options = null) =>
        services.AddSingleton<IStore>(sp => new MemoryStore(options ?? sp.GetRequiredService<StoreOptions>(), sp.GetService<TimeProvider>()));

    /// <summary>Uses the SQLite file store in <paramref name="folder"/>.</summary>
    public static IServiceCollection AddFileStore(this IServiceCollection services, string folder) =>
        services.AddSingleton<IStore>(sp => new FileStore(sp.GetRequiredService<StoreOptions>() with { Address = folder }, sp.GetService<TimeProvider>()));

    /// <summary>Store settings from configuration; <paramref name="service"/> is the default database.</summary>
    public static StoreOptions StoreOptionsFrom(IConfiguration? configuration, string? service)
    {
        var options = new StoreOptions { Database = service ?? "micro" };
        if (configuration is null) return options;
        return options with
        {
            Address = MicroSettings.Address(configuration, "store"),
            Database = MicroSettings.Get(configuration, "store", "database") ?? options.Database,
            Table = MicroSettings.Get(configuration, "store", "table") ?? options.Table,
        };
    }
}
