using Micro.Registry;

namespace Micro.Selector;

/// <summary>
/// Client-side load balancing: picks one node of a service for a call. The client has already
/// removed nodes that failed recently or were tried in this call, so <paramref name="nodes"/> is never empty.
/// </summary>
public interface ISelector
{
    /// <summary>"random", "roundrobin", ... (MICRO_SELECTOR).</summary>
    string Name { get; }

    NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes);
}
