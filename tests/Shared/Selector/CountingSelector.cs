using System.Collections.Concurrent;
using Micro.Registry;
using Micro.Selector;

namespace Micro.Tests.Shared.Selector;

/// <summary>
/// Counts the picks per node address of the selector it wraps, passing feedback through (linked into the tests and the
/// rpc benchmark, which measure how a selector spreads calls).
/// </summary>
internal sealed class CountingSelector(ISelector inner) : ISelector
{
    private readonly ConcurrentDictionary<string, int> _picks = new(StringComparer.Ordinal);

    public string Name => inner.Name;

    /// <summary>Picks of the node at <paramref name="address"/> since the last <see cref="Reset"/>.</summary>
    public int Picks(string address) => _picks.GetValueOrDefault(address);

    /// <summary>All picks since the last <see cref="Reset"/>.</summary>
    public int Total => _picks.Values.Sum();

    public void Reset() => _picks.Clear();

    public NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes)
    {
        var node = inner.Select(service, nodes);
        _picks.AddOrUpdate(node.Address, 1, (_, n) => n + 1);
        return node;
    }

    public void Report(string service, NodeInfo node, CallOutcome outcome, TimeSpan latency) => inner.Report(service, node, outcome, latency);
}
