using Micro.Plugins;
using Micro.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Etcd.Registry;

public static class EtcdRegistryServiceCollectionExtensions
{
    /// <summary>Makes "etcd" selectable: MICRO_REGISTRY=etcd MICRO_REGISTRY_ADDRESS=127.0.0.1:2379.</summary>
    public static IServiceCollection AddMicroEtcdRegistry(this IServiceCollection services) =>
        services.AddPlugin<IRegistry>("etcd", sp => new EtcdRegistry(new EtcdOptions
        {
            Address = MicroSettings.Address(sp.GetRequiredService<IConfiguration>(), "registry") ?? new EtcdOptions().Address,
        }));

    /// <summary>Uses etcd as the registry, whatever the configuration says.</summary>
    public static IServiceCollection AddEtcdRegistry(this IServiceCollection services, Action<EtcdOptionsBuilder>? configure = null)
    {
        var builder = new EtcdOptionsBuilder();
        configure?.Invoke(builder);
        var options = builder.Build();
        return services.AddSingleton<IRegistry>(_ => new EtcdRegistry(options));
    }
}

/// <summary>Settings for <see cref="EtcdRegistryServiceCollectionExtensions.AddEtcdRegistry"/>.</summary>
public sealed class EtcdOptionsBuilder
{
    public string Address { get; set; } = new EtcdOptions().Address;
    public string Prefix { get; set; } = new EtcdOptions().Prefix;
    internal EtcdOptions Build() => new() { Address = Address, Prefix = Prefix };
}
