using System.Collections.Concurrent;
using Micro.Internal;
using Micro.Registry;

namespace Micro.Selector;

/// <summary>
/// Power of two choices with a load-aware cost (after Finagle's and Linkerd's): pick two different random nodes and take
/// the one with the lower <c>latency × (calls in flight + 1)</c>. Latency is a moving average over about the last
/// <see cref="Window"/> replies (not the peak: on a busy machine one scheduling hiccup would make a fast node look slow
/// for seconds); a node failure counts as at least <see cref="FailurePenalty"/>. A slow or overloaded node gets few
/// calls, yet is probed again: while it gets none its cost fades over <see cref="DecayTime"/>.
/// </summary>
public sealed class PowerOfTwoChoicesSelector(TimeProvider? time = null) : ISelector
{
    private const int MaxTracked = 4096; // bounds memory when nodes come and go for ever
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, NodeLoad> _loads = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string Name => "p2c";

    /// <summary>How fast the cost of a node that gets no calls fades, so that it is tried again.</summary>
    public TimeSpan DecayTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many recent replies the latency average mostly reflects.</summary>
    public int Window { get; init; } = 10;

    /// <summary>The latency a failed attempt counts as.</summary>
    public TimeSpan FailurePenalty { get; init; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    public NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes)
    {
        NodeInfo chosen;
        if (nodes.Count == 1) chosen = nodes[0];
        else
        {
            var i = Random.Shared.Next(nodes.Count);
            var j = Random.Shared.Next(nodes.Count - 1);
            if (j >= i) j++;
            var now = CoarseClock.Milliseconds(_time);
            var a = Load(nodes[i]);
            var b = Load(nodes[j]);
            chosen = a.Cost(now, DecayTime) <= b.Cost(now, DecayTime) ? nodes[i] : nodes[j];
        }
        Interlocked.Increment(ref Load(chosen).InFlight);
        return chosen;
    }

    /// <inheritdoc/>
    public void Report(string service, NodeInfo node, CallOutcome outcome, TimeSpan latency)
    {
        if (!_loads.TryGetValue(node.Address, out var load)) return;
        Interlocked.Decrement(ref load.InFlight);
        if (outcome == CallOutcome.Abandoned) return;
        if (outcome == CallOutcome.NodeFailure) load.Penalize(Math.Max(latency.TotalMicroseconds, FailurePenalty.TotalMicroseconds), CoarseClock.Milliseconds(_time));
        else load.Observe(latency.TotalMicroseconds, 2.0 / (Window + 1), CoarseClock.Milliseconds(_time));
    }

    /// <summary>Calls in flight on a node, as this selector counts them (for tests and dashboards).</summary>
    public int InFlight(string address) => _loads.TryGetValue(address, out var load) ? Volatile.Read(ref load.InFlight) : 0;

    private NodeLoad Load(NodeInfo node)
    {
        if (_loads.TryGetValue(node.Address, out var load)) return load;
        if (_loads.Count >= MaxTracked) _loads.Clear();
        return _loads.GetOrAdd(node.Address, static _ => new NodeLoad());
    }

    private sealed class NodeLoad
    {
        public int InFlight;
        private double _ewmaMicroseconds;
        private long _stamp;

        // Times in CoarseClock milliseconds: the decay is over seconds.
        public double Cost(long now, TimeSpan decay)
        {
            var ewma = Volatile.Read(ref _ewmaMicroseconds);
            var inFlight = Volatile.Read(ref InFlight);
            // An idle node's cost fades, so a node that was slow is tried again once in a while.
            if (inFlight == 0 && ewma > 0) ewma *= Math.Exp(-(now - Volatile.Read(ref _stamp)) / decay.TotalMilliseconds);
            // +1 µs: nodes without a measurement yet compare by calls in flight.
            return (ewma + 1) * (inFlight + 1);
        }

        // Unlocked on purpose: a statistic, and every call of a busy service reports to the same node. Two reports that
        // race lose one sample; a lock would make 64 callers on two cores queue for it.
        public void Observe(double microseconds, double alpha, long now)
        {
            var old = Volatile.Read(ref _ewmaMicroseconds);
            // The first reply sets the average; later ones move it by alpha.
            Volatile.Write(ref _ewmaMicroseconds, old == 0 ? microseconds : old + alpha * (microseconds - old));
            // The stamp moves once per clock tick (a few ms), not on every call.
            if (Volatile.Read(ref _stamp) != now) Volatile.Write(ref _stamp, now);
        }

        public void Penalize(double microseconds, long now)
        {
            Volatile.Write(ref _ewmaMicroseconds, Math.Max(Volatile.Read(ref _ewmaMicroseconds), microseconds));
            Volatile.Write(ref _stamp, now);
        }
    }
}
