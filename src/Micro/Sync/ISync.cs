namespace Micro.Sync;

/// <summary>
/// Distributed locks and leader election. One small interface (like Go Micro's <c>sync.Sync</c>):
/// a leader is a lock that is held until resigned or lost, so both share the same lease machinery,
/// the same fencing tokens and the same failure signal.
/// </summary>
/// <remarks>
/// Every hold is a lease: the holder renews it in the background every TTL/3. When the holder dies
/// (SIGKILL, pause, lost connection) renewal stops and the backend frees the id after the TTL.
/// A holder that cannot renew stops reporting the hold (<see cref="ILock.IsHeld"/> turns false) once
/// its TTL has passed locally and its <see cref="ILock.Lost"/> token fires. Guard writes to shared
/// resources with <see cref="ILock.FencingToken"/>: it strictly increases for each new holder of an id.
/// </remarks>
public interface ISync : IAsyncDisposable
{
    /// <summary>
    /// Takes the lock named <paramref name="id"/>, waiting up to <see cref="LockOptions.Wait"/>.
    /// Throws <see cref="LockTimeoutException"/> when the wait ends without the lock.
    /// </summary>
    ValueTask<ILock> LockAsync(string id, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Campaigns for leadership of <paramref name="id"/> and returns once this candidate leads
    /// (or throws <see cref="LockTimeoutException"/> after <see cref="LeaderOptions.Wait"/>).
    /// </summary>
    ValueTask<ILeadership> LeaderAsync(string id, LeaderOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Who leads <paramref name="id"/> now, or null when nobody does.</summary>
    ValueTask<LeaderInfo?> GetLeaderAsync(string id, CancellationToken cancellationToken = default);
}
