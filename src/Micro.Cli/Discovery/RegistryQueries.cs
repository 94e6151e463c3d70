using Micro.Errors;
using Micro.Registry;

namespace Micro.Cli.Discovery;

/// <summary>Registry look-ups the commands share: every service in full (nodes and endpoints), or one by name.</summary>
public static class RegistryQueries
{
    /// <summary>Every service and version with its nodes and endpoints, sorted by name then version.</summary>
    public static async Task<IReadOnlyList<ServiceInfo>> AllAsync(IRegistry registry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var listed = await registry.ListServicesAsync(cancellationToken).ConfigureAwait(false);
        // A listing may carry names only (etcd); a look-up by name brings nodes and endpoints.
        var names = listed.Select(s => s.Name).Distinct(StringComparer.Ordinal).ToList();
        var full = await Task.WhenAll(names.Select(n => registry.GetServiceAsync(n, cancellationToken))).ConfigureAwait(false);
        return Sorted(full.SelectMany(s => s));
    }

    /// <summary>Every version of <paramref name="name"/>.</summary>
    /// <exception cref="MicroException"><c>micro.service.not_found</c> (404) when the registry has no node of it.</exception>
    public static async Task<IReadOnlyList<ServiceInfo>> GetAsync(IRegistry registry, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var versions = await registry.GetServiceAsync(name, cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0 || versions.All(v => v.Nodes.Count == 0))
            throw MicroException.NotFound(ErrorCodes.ServiceNotFound, $"service {name} not found in the {registry.Name} registry");
        return Sorted(versions);
    }

    /// <summary>The endpoint named <paramref name="endpoint"/> in any version, or null.</summary>
    public static EndpointInfo? FindEndpoint(IEnumerable<ServiceInfo> versions, string endpoint) =>
        versions.SelectMany(v => v.Endpoints).FirstOrDefault(e => string.Equals(e.Name, endpoint, StringComparison.Ordinal));

    private static List<ServiceInfo> Sorted(IEnumerable<ServiceInfo> services) => services
        .Where(s => s.Nodes.Count > 0)
        .OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Version, StringComparer.Ordinal)
        .Select(s => s with { Nodes = s.Nodes.OrderBy(n => n.Id, StringComparer.Ordinal).ToList() })
        .ToList();
}
