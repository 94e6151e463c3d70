using Microsoft.Extensions.Configuration;

namespace Micro.Etcd.Config;

/// <summary>
/// Configuration from an etcd key prefix read as a tree: <c>{prefix}database/host</c> is the key
/// <c>database:host</c>. Watched with etcd watch; a put or delete reloads the configuration.
/// </summary>
public sealed class EtcdConfigurationSource : IConfigurationSource
{
    /// <summary>etcd's address, host:port (comma separated for several).</summary>
    public required string Address { get; init; }

    /// <summary>The key prefix, e.g. <c>/config/greeter/</c>.</summary>
    public required string Prefix { get; init; }

    /// <summary>When false, a missing or unreachable etcd at start-up is an error.</summary>
    public bool Optional { get; init; }

    /// <inheritdoc/>
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new EtcdConfigurationProvider(this);
}
