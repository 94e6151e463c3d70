using System.Collections.Concurrent;
using Micro.Registry;

namespace Micro.Selector;

/// <summary>
/// Power of two choices with peak-EWMA cost (as Finagle and Linkerd): pick two different random nodes and take the one
/// with the lower <c>latency × (calls in flight + 1)</c>. Latency is an exponentially weighted moving average that
/// jumps up at once on a slow reply and decays over <see cref="DecayTime"/>; a node failure counts as
/// <see cref="FailurePenalty"/>. A slow or overloaded node gets few calls, yet is probed again as its cost decays while idle.
/// </summary>
public sealed class PowerOfTwoChoicesSelector(TimeProvider? time = null) : ISelector
{
    private const int MaxTracked = 4096; // bounds memory when nodes come and go for ever
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, NodeLoad> _loads = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string Name => "p2c";

    /// <summary>How fast old latencies are forgotten (Finagle's default: 10 s).</summary>
    public TimeSpan DecayTime { get; init; } = TimeSpan.FromSeconds(10);

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
            var now = _time.GetTimestamp();
            var a = Load(nodes[i]);
            var b = Load(nodes[j]);
            chosen = a.Cost(now, _time.TimestampFrequency, DecayTime) <= b.Cost(now, _time.TimestampFrequency, DecayTime) ? nodes[i] : nodes[j];
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
        load.Observe(outcome == CallOutcome.NodeFailure ? Math.Max(latency.TotalMicroseconds, FailurePenalty.TotalMicroseconds) : latency.TotalMicroseconds,
            _time.GetTimestamp(), _time.TimestampFrequency, DecayTime);
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

        public double Cost(long now, long frequency, TimeSpan decay)
        {
            var ewma = Volatile.Read(ref _ewmaMicroseconds);
            var inFlight = Volatile.Read(ref InFlight);
            // An idle node's cost fades, so a node that was slow is tried again once in a while.
            if (inFlight == 0 && ewma > 0) ewma *= Math.Exp(-(now - Volatile.Read(ref _stamp)) / (double)frequency / decay.TotalSeconds);
            // +1 µs: nodes without a measurement yet compare by calls in flight.
            return (ewma + 1) * (inFlight + 1);
        }

        public void Observe(double microseconds, long now, long frequency, TimeSpan decay)
        {
            lock (this)
            {
                var weight = Math.Exp(-(now - _stamp) / (double)frequency / decay.TotalSeconds);
                _ewmaMicroseconds = microseconds > _ewmaMicroseconds ? microseconds : _ewmaMicroseconds * weight + microseconds * (1 - weight);
                _stamp = now;
            }
        }
    }
}
