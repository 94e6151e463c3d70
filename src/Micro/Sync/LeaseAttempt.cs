namespace Micro.Sync;

/// <summary>
/// The outcome of one try to take a lease: the claim when it was free, otherwise (if the backend knows)
/// how long the current holder's lease has left, so a waiter can sleep until then instead of polling.
/// </summary>
public readonly record struct LeaseAttempt(LeaseClaim? Claim, TimeSpan? HeldFor)
{
    /// <summary>Taken.</summary>
    public static LeaseAttempt Acquired(LeaseClaim claim) => new(claim ?? throw new ArgumentNullException(nameof(claim)), null);

    /// <summary>Held by someone else, for at most <paramref name="remaining"/> (null: unknown).</summary>
    public static LeaseAttempt Held(TimeSpan? remaining = null) => new(null, remaining);
}
