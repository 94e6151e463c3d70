using Micro.Etcd.Config;
using Micro.Etcd.Registry;
using Micro.Etcd.Sync;
using Micro.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Etcd;

/// <summary>Wires the etcd plug-ins (registry, sync, config source) into a service.</summary>
public static class EtcdServiceCollectionExtensions
{
    /// <summary>
    /// Makes every etcd plug-in selectable by configuration, without recompiling:
    /// MICRO_REGISTRY=etcd (MICRO_REGISTRY_ADDRESS) and MICRO_SYNC=etcd (MICRO_SYNC_ADDRESS).
    /// </summary>
    public static IServiceCollection AddEtcdPlugins(this IServiceCollection services) =>
        services.AddEtcdRegistryPlugin().AddEtcdSyncPlugin();

    /// <summary>
    /// Adds etcd as a configuration source when the configuration so far says MICRO_CONFIG=etcd, reading
    /// MICRO_CONFIG_ADDRESS and MICRO_CONFIG_PREFIX (default /micro/config/{service}/).
    /// </summary>
    public static IConfigurationManager AddMicroEtcdConfig(this IConfigurationManager configuration, string service)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!string.Equals(MicroSettings.GetPlugin(configuration, "config"), "etcd", StringComparison.OrdinalIgnoreCase)) return configuration;
        var address = MicroSettings.Address(configuration, "config") ?? EtcdConnection.DefaultAddress;
        var prefix = MicroSettings.Get(configuration, "config", "prefix") ?? $"/micro/config/{service}/";
        configuration.AddEtcd(address, prefix);
        return configuration;
    }
}
