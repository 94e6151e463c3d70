using Micro.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Sync;

public static class SyncServiceCollectionExtensions
{
    /// <summary>
    /// The sync chosen by MICRO_SYNC (memory or a plug-in's name such as etcd, redis, postgres; default
    /// memory), whose server address comes from MICRO_SYNC_ADDRESS.
    /// </summary>
    public static IServiceCollection AddMicroSync(this IServiceCollection services)
    {
        services.AddPlugin<ISync>("memory", sp => new MemorySync(sp.GetService<TimeProvider>()));
        services.AddSelectedPlugin<ISync>("sync", defaultName: "memory");
        return services;
    }

    /// <summary>Uses in-process locks, whatever the configuration says.</summary>
    public static IServiceCollection AddMemorySync(this IServiceCollection services) =>
        services.AddSingleton<ISync>(sp => new MemorySync(sp.GetService<TimeProvider>()));
}
