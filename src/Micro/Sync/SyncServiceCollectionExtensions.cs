using Micro.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Sync;

/// <summary>Registers the sync: chosen by <see cref="SyncOptions.Plugin"/> (<c>MICRO_SYNC</c>) or in code.</summary>
public static class SyncServiceCollectionExtensions
{
    /// <summary>
    /// The sync chosen by <c>MICRO_SYNC</c> / <c>Micro:Sync:Plugin</c> (memory by default, or etcd, redis, postgres once
    /// the package's <c>Add...Plugins()</c> was called), with <see cref="SyncOptions"/> from <c>Micro:Sync:*</c> and <c>MICRO_SYNC_*</c>.
    /// </summary>
    public static IServiceCollection AddMicroSync(this IServiceCollection services)
    {
        services.AddPlugin<ISync>("memory", sp => new MemorySync(Options(sp), sp.GetService<TimeProvider>(), Logger(sp)));
        // Every lease-based sync records its lock waits in the container's meter, tagged by the plug-in's name.
        services.AddSelectedPlugin<ISync, SyncOptions>("Sync", defaultName: "memory", created: static (sp, name, sync) =>
        {
            if (sync is LeaseSync lease && Telemetry.TelemetryServiceCollectionExtensions.SyncTelemetry(sp) is { } telemetry)
                lease.Telemetry = (telemetry, name.ToLowerInvariant());
        });
        return services;
    }

    /// <summary>Uses in-process locks, whatever the configuration says.</summary>
    public static IServiceCollection UseMemorySync(this IServiceCollection services, Action<SyncOptions>? configure = null) =>
        services.AddMicroSync().UsePlugin("Sync", "memory", configure);

    /// <summary>The sync options as configured (configuration, then code).</summary>
    internal static SyncOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<SyncOptions>>().Value;

    /// <summary>The logger every sync backend logs to.</summary>
    internal static ILogger? Logger(IServiceProvider services) => services.GetService<ILoggerFactory>()?.CreateLogger("Micro.Sync");
}
