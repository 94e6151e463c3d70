using Micro.Registry;

namespace Micro.Selector;

/// <summary>A uniformly random node (MICRO_SELECTOR=random): spreads load without shared state, but ignores node speed.</summary>
public sealed class RandomSelector : ISelector
{
    /// <inheritdoc/>
    public string Name => "random";

    /// <inheritdoc/>
    public NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes) =>
        nodes.Count == 1 ? nodes[0] : nodes[Random.Shared.Next(nodes.Count)];
}
