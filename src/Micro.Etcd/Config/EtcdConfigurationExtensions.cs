using Microsoft.Extensions.Configuration;

namespace Micro.Etcd.Config;

/// <summary>etcd as a configuration source.</summary>
public static class EtcdConfigurationExtensions
{
    /// <summary>
    /// Adds the keys under <paramref name="prefix"/> in etcd at <paramref name="address"/> as configuration,
    /// watched live. Added after files and environment, etcd wins for the keys it has.
    /// </summary>
    public static IConfigurationBuilder AddEtcd(this IConfigurationBuilder builder, string address, string prefix, bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new EtcdConfigurationSource { Address = address, Prefix = prefix, Optional = optional });
    }
}
