namespace Micro.Sync;

/// <summary>A held lock. Disposing it unlocks.</summary>
public interface ILock : IAsyncDisposable
{
    /// <summary>The lock's name.</summary>
    string Id { get; }

    /// <summary>Strictly greater than the token of every earlier holder of <see cref="Id"/>.</summary>
    long FencingToken { get; }

    /// <summary>
    /// True while this holder still owns the lock as far as it can know: not unlocked, not lost, and
    /// renewed within the TTL. Turns false on its own when renewal fails for a whole TTL.
    /// </summary>
    bool IsHeld { get; }

    /// <summary>Fires when the lock is lost (lease expired, revoked, or taken over); not on a normal unlock.</summary>
    CancellationToken Lost { get; }

    /// <summary>Releases the lock if this holder still owns it (compare-and-delete on the token). Idempotent.</summary>
    ValueTask UnlockAsync(CancellationToken cancellationToken = default);
}
