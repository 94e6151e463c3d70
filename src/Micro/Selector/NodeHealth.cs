using System.Collections.Concurrent;

namespace Micro.Selector;

/// <summary>
/// Remembers nodes (by address) that failed: refused, lost the connection, or let a call's deadline pass. The client
/// skips them for <see cref="Quarantine"/> (set once, from <c>ClientOptions.Quarantine</c>) instead of sending every unlucky caller to a dead or frozen node.
/// </summary>
internal sealed class NodeHealth(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, long> _failedUntil = new(StringComparer.Ordinal);

    /// <summary>How long a failed node is skipped.</summary>
    public TimeSpan Quarantine { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Skips the node at <paramref name="address"/> for <see cref="Quarantine"/>.</summary>
    public void MarkFailed(string address) =>
        _failedUntil[address] = _time.GetTimestamp() + (long)(Quarantine.TotalSeconds * _time.TimestampFrequency);

    /// <summary>Takes the node at <paramref name="address"/> out of quarantine.</summary>
    public void MarkHealthy(string address) => _failedUntil.TryRemove(address, out _);

    /// <summary>Whether the node at <paramref name="address"/> is in quarantine.</summary>
    public bool IsFailed(string address)
    {
        if (_failedUntil.IsEmpty || !_failedUntil.TryGetValue(address, out var until)) return false;
        if (_time.GetTimestamp() < until) return true;
        _failedUntil.TryRemove(address, out _);
        return false;
    }

    /// <summary>Whether any node is (or recently was) in quarantine; lets the client skip filtering on the hot path.</summary>
    public bool AnyFailed => !_failedUntil.IsEmpty;
}
