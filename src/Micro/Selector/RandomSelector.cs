using Micro.Registry;

namespace Micro.Selector;

/// <summary>The default: a uniformly random node, which spreads load without shared state.</summary>
public sealed class RandomSelector : ISelector
{
    public string Name => "random";

    public NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes) =>
        nodes.Count == 1 ? nodes[0] : nodes[Random.Shared.Next(nodes.Count)];
}
