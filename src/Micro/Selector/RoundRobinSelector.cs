using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Micro.Registry;

namespace Micro.Selector;

/// <summary>Each service's nodes in turn (per service, lock-free).</summary>
public sealed class RoundRobinSelector : ISelector
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _next = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string Name => "roundrobin";

    /// <inheritdoc/>
    public NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes)
    {
        if (nodes.Count == 1) return nodes[0];
        var counter = _next.GetOrAdd(service, static _ => new StrongBox<int>(-1));
        var turn = (uint)Interlocked.Increment(ref counter.Value);
        return nodes[(int)(turn % (uint)nodes.Count)];
    }
}
