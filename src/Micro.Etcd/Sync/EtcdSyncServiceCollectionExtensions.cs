using Micro.Plugins;
using Micro.Sync;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Etcd.Sync;

public static class EtcdSyncServiceCollectionExtensions
{
    /// <summary>Makes "etcd" selectable by configuration: MICRO_SYNC=etcd with MICRO_SYNC_ADDRESS=host:port[,host:port].</summary>
    public static IServiceCollection AddMicroEtcdSync(this IServiceCollection services) =>
        services.AddPlugin<ISync>("etcd", sp =>
        {
            var address = MicroSettings.Address(sp.GetRequiredService<IConfiguration>(), "sync")
                ?? throw new InvalidOperationException("MICRO_SYNC=etcd needs MICRO_SYNC_ADDRESS (host:port)");
            var options = (sp.GetService<EtcdOptions>() ?? new EtcdOptions()) with { Address = address };
            return new EtcdSync(EtcdConnection.Create(options), options, sp.GetService<TimeProvider>(), ownsClient: true);
        });

    /// <summary>Uses etcd for locks and elections, whatever the configuration says.</summary>
    public static IServiceCollection AddEtcdSync(this IServiceCollection services, EtcdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return services.AddSingleton<ISync>(sp => new EtcdSync(EtcdConnection.Create(options), options, sp.GetService<TimeProvider>(), ownsClient: true));
    }
}
