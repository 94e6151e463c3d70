using Micro.Plugins;
using Micro.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Etcd.Sync;

/// <summary>Registers the etcd sync.</summary>
public static class EtcdSyncServiceCollectionExtensions
{
    /// <summary>Makes "etcd" selectable by configuration: <c>MICRO_SYNC=etcd</c> with <c>MICRO_SYNC_ADDRESS</c>=host:port[,host:port].</summary>
    public static IServiceCollection AddEtcdSyncPlugin(this IServiceCollection services) =>
        services.AddMicroSync().AddPlugin<ISync>("etcd", sp =>
        {
            var options = sp.GetRequiredService<IOptions<SyncOptions>>().Value;
            if (string.IsNullOrWhiteSpace(options.Address))
                throw new InvalidOperationException($"the etcd sync needs an address (host:port): set {MicroSettings.Describe("Sync", "Address")}");
            return new EtcdSync(EtcdConnection.Create(options.Address), options, sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger("Micro.Sync")) { OwnsClient = true };
        });

    /// <summary>Uses etcd for locks and elections, whatever the configuration says; <paramref name="configure"/> sets its address and more.</summary>
    public static IServiceCollection UseEtcdSync(this IServiceCollection services, Action<SyncOptions>? configure = null) =>
        services.AddEtcdSyncPlugin().UsePlugin("Sync", "etcd", configure);
}
