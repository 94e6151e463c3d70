namespace Micro.Sync;

/// <summary>
/// One hold of a lease as a backend sees it: the key, the holder's unique value (compared on renew
/// and release, so only this holder can touch it), and the fencing token the backend assigned.
/// </summary>
public sealed record LeaseClaim(string Key, string Value, long Token)
{
    /// <summary>Backend-specific extra, e.g. the etcd lease id.</summary>
    public object? State { get; init; }

    /// <summary>
    /// When the backend's lease started, as a <see cref="TimeProvider.GetTimestamp"/> value, if earlier
    /// than the acquiring request (e.g. a reused etcd lease); the holder's TTL counts from here.
    /// </summary>
    public long? StartedAt { get; init; }
}
