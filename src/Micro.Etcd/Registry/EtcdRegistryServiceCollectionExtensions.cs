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
        services.AddPlugin<IRegistry>("etcd", sp => Create(sp.GetRequiredService<IOptions<RegistryOptions>>().Value));

    /// <summary>Uses etcd as the registry whatever the configuration says, with <paramref name="configure"/> applied to the registry options.</summary>
    public static IServiceCollection UseEtcdRegistry(this IServiceCollection services, Action<RegistryOptions>? configure = null) =>
        services.AddEtcdRegistryPlugin().UsePlugin("Registry", "etcd", configure);

    // A network plug-in without an address is a mistake to report, not a default to guess.
    private static EtcdRegistry Create(RegistryOptions options) => new(new EtcdOptions
    {
        Address = options.Address ?? throw new InvalidOperationException(
            $"the etcd registry needs {MicroSettings.Describe("Registry", nameof(RegistryOptions.Address))}, e.g. 127.0.0.1:2379"),
        Prefix = options.Prefix,
    });
}
