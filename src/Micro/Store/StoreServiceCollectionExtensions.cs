using Micro.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro.Store;

/// <summary>Registers the store: chosen by <see cref="StoreOptions.Plugin"/> (<c>MICRO_STORE</c>) or in code.</summary>
public static class StoreServiceCollectionExtensions
{
    /// <summary>
    /// The store chosen by <c>MICRO_STORE</c> / <c>Micro:Store:Plugin</c> (memory by default, or a plug-in's name:
    /// file, postgres, redis once its package's <c>Add...Plugins()</c> was called), with <see cref="StoreOptions"/>
    /// read from <c>Micro:Store:*</c> and <c>MICRO_STORE_*</c>.
    /// </summary>
    public static IServiceCollection AddMicroStore(this IServiceCollection services)
    {
        services.AddPlugin<IStore>("memory", sp => new MemoryStore(Options(sp), sp.GetService<TimeProvider>()));
        services.AddSelectedPlugin<IStore, StoreOptions>("Store", defaultName: "memory");
        return services;
    }

    /// <summary>Uses the in-memory store, whatever the configuration says; <paramref name="configure"/> adjusts its options.</summary>
    public static IServiceCollection UseMemoryStore(this IServiceCollection services, Action<StoreOptions>? configure = null) =>
        services.AddMicroStore().UsePlugin("Store", "memory", configure);

    /// <summary>The store options as configured (configuration, then code).</summary>
    internal static StoreOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<StoreOptions>>().Value;
}
