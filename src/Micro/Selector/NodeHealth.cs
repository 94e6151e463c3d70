using System.Collections.Concurrent;

namespace Micro.Selector;

/// <summary>
/// Remembers nodes whose calls failed at the transport level, so the client skips them for
/// <see cref="Quarantine"/> instead of sending every unlucky caller to a dead node.
/// </summary>
public sealed class NodeHealth(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, long> _failedUntil = new(StringComparer.Ordinal);

    public TimeSpan Quarantine { get; init; } = TimeSpan.FromSeconds(10);

    public void MarkFailed(string nodeId) =>
        _failedUntil[nodeId] = _time.GetTimestamp() + (long)(Quarantine.TotalSeconds * _time.TimestampFrequency);

    public void MarkHealthy(string nodeId) => _failedUntil.TryRemove(nodeId, out _);

    public bool IsFailed(string nodeId)
    {
        if (_failedUntil.IsEmpty || !_failedUntil.TryGetValue(nodeId, out var until)) return false;
        if (_time.GetTimestamp() < until) return true;
        _failedUntil.TryRemove(nodeId, out _);
        return false;
    }

    public bool AnyFailed => !_failedUntil.IsEmpty;
}
