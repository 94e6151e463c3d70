namespace Micro.Sync;

/// <summary>How to take a lock (<c>ISync.LockAsync</c>).</summary>
public sealed record LockOptions
{
    /// <summary>How long the lock outlives its holder's last renewal (process death frees it after this).</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to wait for the lock; null waits until cancelled, zero tries once.</summary>
    public TimeSpan? Wait { get; init; }
}
