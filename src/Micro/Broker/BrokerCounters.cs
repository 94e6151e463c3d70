namespace Micro.Broker;

/// <summary>What a broker has done so far, for dashboards and tests. Thread-safe; values only grow except <see cref="Pending"/>.</summary>
public sealed class BrokerCounters
{
    private long _published, _delivered, _redelivered, _deadLettered, _refused, _pending;

    /// <summary>Messages accepted by <see cref="IBroker.PublishAsync"/>.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Deliveries acknowledged by a handler.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Deliveries made again: after a handler failure, a timeout, or an unreachable subscriber.</summary>
    public long Redelivered => Interlocked.Read(ref _redelivered);

    /// <summary>Messages moved to a dead-letter topic.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Deliveries a subscriber refused (HTTP broker: 401/403 from its auth check; no handler ran).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Deliveries accepted but not yet acknowledged (the HTTP broker's outbox; 0 where the server keeps them).</summary>
    public long Pending => Interlocked.Read(ref _pending);

    // For broker implementations.
    /// <summary>Counts accepted publishes.</summary>
    public void OnPublished(long count = 1) => Interlocked.Add(ref _published, count);

    /// <summary>Counts acknowledged deliveries.</summary>
    public void OnDelivered(long count = 1) => Interlocked.Add(ref _delivered, count);

    /// <summary>Counts deliveries made again.</summary>
    public void OnRedelivered(long count = 1) => Interlocked.Add(ref _redelivered, count);

    /// <summary>Counts a dead letter.</summary>
    public void OnDeadLettered() => Interlocked.Increment(ref _deadLettered);

    /// <summary>Counts deliveries a subscriber refused.</summary>
    public void OnRefused(long count = 1) => Interlocked.Add(ref _refused, count);

    /// <summary>Moves the pending count.</summary>
    public void AddPending(long delta) => Interlocked.Add(ref _pending, delta);
}
