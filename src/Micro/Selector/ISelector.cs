using Micro.Registry;

namespace Micro.Selector;

/// <summary>
/// Client-side load balancing: picks one node of a service for a call. The client has already
/// removed nodes that failed recently or were tried in this call, so the list it picks from is never empty.
/// </summary>
public interface ISelector
{
    /// <summary>"random", "roundrobin", "p2c", ... (MICRO_SELECTOR).</summary>
    string Name { get; }

    /// <summary>The node for one attempt of a call to <paramref name="service"/>.</summary>
    NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes);

    /// <summary>How an attempt on a node chosen by <see cref="Select"/> ended; the client reports every attempt exactly once.</summary>
    void Report(string service, NodeInfo node, CallOutcome outcome, TimeSpan latency) { }
}
