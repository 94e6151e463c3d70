namespace Micro.Registry;

/// <summary>
/// Service discovery: nodes register themselves with a TTL and re-register before it runs out;
/// clients look services up by name and watch for changes. Implementations: memory (tests),
/// mDNS (default), etcd (plug-in). All share <c>RegistryConformanceSuite</c>.
/// </summary>
public interface IRegistry
{
    /// <summary>Short name of the implementation: "memory", "mdns", "etcd".</summary>
    string Name { get; }

    /// <summary>
    /// Adds or refreshes the nodes of <paramref name="service"/>. Nodes not refreshed within
    /// <see cref="RegisterOptions.Ttl"/> disappear.
    /// </summary>
    Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the nodes of <paramref name="service"/>; the version goes when its last node does.</summary>
    Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default);

    /// <summary>Every version of the named service with its live nodes; empty when unknown.</summary>
    Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every known service (one entry per name and version).</summary>
    Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes as they happen, until <paramref name="cancellationToken"/> fires. Each event carries the
    /// service with the node(s) concerned. <paramref name="service"/> filters by name when given.
    /// </summary>
    IAsyncEnumerable<RegistryEvent> WatchAsync(string? service = null, CancellationToken cancellationToken = default);
}
