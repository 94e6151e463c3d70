using Micro.Plugins;
using Micro.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro.Etcd.Registry;

/// <summary>Wiring of the etcd registry.</summary>
public static class EtcdRegistryServiceCollectionExtensions
{
    /// <summary>Makes "etcd" selectable by configuration: <c>MICRO_REGISTRY=etcd MICRO_REGISTRY_ADDRESS=127.0.0.1:2379</c>.</summary>
    public static IServiceCollection AddEtcdRegistryPlugin(this IServiceCollection services) =>
        services.AddPlugin<IRegistry>("etcd", sp => new EtcdRegistry(sp.GetRequiredService<IOptions<RegistryOptions>>().Value));

    /// <summary>Uses etcd as the registry whatever the configuration says, with <paramref name="configure"/> applied to the registry options.</summary>
    public static IServiceCollection UseEtcdRegistry(this IServiceCollection services, Action<RegistryOptions>? configure = null) =>
        services.AddEtcdRegistryPlugin().UsePlugin("Registry", "etcd", configure);
}
