using System.Collections.Concurrent;

namespace Micro.Sync;

/// <summary>
/// The shared machinery of every <see cref="ISync"/>: validation, waiting with timeouts, renewal
/// every TTL/3, the lost signal and leadership on top of locks. A backend supplies four atomic
/// operations on a key (acquire if free, renew if still mine, release if still mine, read).
/// </summary>
public abstract class LeaseSync : ISync
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _released = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<LeaseHandle, byte> _handles = new();
    private int _disposed;

    protected LeaseSync(TimeProvider? time)
    {
        Time = time ?? TimeProvider.System;
    }

    /// <summary>The clock for TTLs, renewals and waits (a FakeTimeProvider in tests).</summary>
    protected internal TimeProvider Time { get; }

    /// <summary>How often a waiter retries a held lock; releases in this process wake waiters at once.</summary>
    protected virtual TimeSpan RetryInterval => TimeSpan.FromMilliseconds(10);

    /// <summary>Atomically takes <paramref name="key"/> for <paramref name="ttl"/> if nobody holds it; null if held.</summary>
    protected abstract ValueTask<LeaseClaim?> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Extends the claim by its TTL if it is still this holder's; false when it is gone or someone else's.</summary>
    protected abstract ValueTask<bool> RenewAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Deletes the claim if it is still this holder's (compare-and-delete); never someone else's.</summary>
    protected abstract ValueTask ReleaseAsync(LeaseClaim claim, CancellationToken cancellationToken);

    /// <summary>The live claim on <paramref name="key"/>, or null.</summary>
    protected abstract ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Closes the backend's connections (after every held lease was released).</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    public async ValueTask<ILock> LockAsync(string id, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LockOptions();
        Validate(id, options.Ttl, options.Wait);
        return await HoldAsync(id, LockKey(id), NewValue(candidate: ""), candidate: "", options.Ttl, options.Wait, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ILeadership> LeaderAsync(string id, LeaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LeaderOptions();
        Validate(id, options.Ttl, options.Wait);
        if (options.Candidate is { } name) ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(options.Candidate));
        var candidate = options.Candidate ?? $"{Environment.MachineName}-{Environment.ProcessId}";
        return await HoldAsync(id, LeaderKey(id), NewValue(candidate), candidate, options.Ttl, options.Wait, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<LeaderInfo?> GetLeaderAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var claim = await ReadAsync(LeaderKey(id), cancellationToken).ConfigureAwait(false);
        if (claim is null) return null;
        var bar = claim.Value.IndexOf('|', StringComparison.Ordinal);
        return new LeaderInfo(id, bar < 0 ? claim.Value : claim.Value[(bar + 1)..], claim.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var handle in _handles.Keys)
        {
            try { await handle.UnlockAsync().ConfigureAwait(false); }
            catch (Exception) { /* the lease expires by itself */ }
        }
        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private static string LockKey(string id) => "lock/" + id;

    private static string LeaderKey(string id) => "leader/" + id;

    // Unique per hold, so a renew or release can never match another holder's (or our own earlier) claim.
    private static string NewValue(string candidate) => Guid.NewGuid().ToString("N") + "|" + candidate;

    private static void Validate(string id, TimeSpan ttl, TimeSpan? wait)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "the TTL must be positive");
        if (wait < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(wait), wait, "the wait must be zero or positive (null waits forever)");
    }

    private async ValueTask<LeaseHandle> HoldAsync(string id, string key, string value, string candidate, TimeSpan ttl, TimeSpan? wait, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var started = Time.GetTimestamp();
        var interval = RetryInterval;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var released = _released.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            // The lease is valid from before the request was sent: our view of expiry is never later than the server's.
            var attempt = Time.GetTimestamp();
            var claim = await TryAcquireAsync(key, value, ttl, cancellationToken).ConfigureAwait(false);
            if (claim is not null)
            {
                var handle = new LeaseHandle(this, id, candidate, claim, ttl, Math.Min(attempt, claim.StartedAt ?? attempt));
                _handles.TryAdd(handle, 0);
                handle.Start();
                return handle;
            }
            // Jittered, backing off to 4x the interval: many waiters still see a release within a few ms,
            // without each of them hammering the server.
            var delay = TimeSpan.FromTicks(interval.Ticks / 2 + Random.Shared.NextInt64(interval.Ticks));
            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 3 / 2, RetryInterval.Ticks * 4));
            if (wait is { } limit)
            {
                var left = limit - Time.GetElapsedTime(started);
                if (left <= TimeSpan.Zero) throw new LockTimeoutException(id, limit);
                if (left < delay) delay = left;
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sleep = Task.Delay(delay, Time, stop.Token);
            await Task.WhenAny(released, sleep).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    internal async ValueTask ReleaseHeldAsync(LeaseHandle handle, CancellationToken cancellationToken)
    {
        _handles.TryRemove(handle, out _);
        try
        {
            await ReleaseAsync(handle.Claim, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (_released.TryRemove(handle.Claim.Key, out var waiters)) waiters.TrySetResult();
        }
    }

    internal ValueTask<bool> RenewHeldAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken) =>
        RenewAsync(claim, ttl, cancellationToken);

    internal void Forget(LeaseHandle handle) => _handles.TryRemove(handle, out _);
}
