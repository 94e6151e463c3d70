using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Sync;

/// <summary>
/// The shared machinery of every <see cref="ISync"/>: validation, waiting with timeouts, renewal
/// every TTL/3, the lost signal and leadership on top of locks. A backend supplies four atomic
/// operations on a key (acquire if free, renew if still mine, release if still mine, read) and,
/// optionally, a release notification. Waiters do not poll: they sleep until a release is signalled
/// (in this process, or by the backend), until the holder's lease is due to expire, or at most
/// <see cref="SyncOptions.PollInterval"/> (the safety net). A transient backend error while waiting
/// is retried with backoff (and logged) until the wait's limit, instead of ending the wait.
/// </summary>
public abstract class LeaseSync : ISync
{
    private static readonly TimeSpan FirstErrorRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LastErrorRetry = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, KeyWaiters> _waiters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<LeaseHandle, byte> _handles = new();
    private readonly ILogger _logger;
    private int _disposed;
    private long _attempts;

    /// <summary>The machinery with <paramref name="options"/> (defaults when null) on <paramref name="time"/> (the system clock when null).</summary>
    protected LeaseSync(SyncOptions? options, TimeProvider? time, ILogger? logger = null)
    {
        Options = (options ?? new SyncOptions()).Checked();
        Time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>How many times this sync asked its backend for a lease (tests and benchmarks count a waiter's requests with it).</summary>
    internal long Attempts => Interlocked.Read(ref _attempts);

    /// <summary>The options this sync was built with.</summary>
    protected SyncOptions Options { get; }

    /// <summary>The one clock for TTLs, renewals, expiry and waits (a FakeTimeProvider in tests); timestamps, never wall-clock time.</summary>
    protected internal TimeProvider Time { get; }

    /// <summary>
    /// Atomically takes <paramref name="key"/> for <paramref name="ttl"/> if nobody holds it; otherwise says it is held
    /// and, when the backend knows, for how long.
    /// </summary>
    protected abstract ValueTask<LeaseAttempt> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>
    /// Starts the backend's release notification for <paramref name="key"/>: call <paramref name="released"/> whenever the
    /// key may have become free (released, deleted, expired). Called when the first waiter of a key in this process starts
    /// waiting; disposed when the last one stops. Returns once the notification is active; null when the backend has none
    /// (waiters then rely on the lease's remaining time and the poll interval).
    /// </summary>
    protected virtual ValueTask<IAsyncDisposable?> WatchReleasesAsync(string key, Action released, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IAsyncDisposable?>(null);

    /// <summary>Extends the claim by its TTL if it is still this holder's; false when it is gone or someone else's.</summary>
    protected abstract ValueTask<bool> RenewAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Deletes the claim if it is still this holder's (compare-and-delete); never someone else's.</summary>
    protected abstract ValueTask ReleaseAsync(LeaseClaim claim, CancellationToken cancellationToken);

    /// <summary>The live claim on <paramref name="key"/>, or null.</summary>
    protected abstract ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Closes the backend's connections (after every held lease was released).</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask<ILock> LockAsync(string id, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LockOptions();
        Validate(id, options.Ttl, options.Wait);
        return await HoldAsync(id, LockKey(id), NewValue(candidate: ""), candidate: "", options.Ttl, options.Wait, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ILeadership> LeaderAsync(string id, LeaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LeaderOptions();
        Validate(id, options.Ttl, options.Wait);
        if (options.Candidate is { } name) ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(options.Candidate));
        var candidate = options.Candidate ?? $"{Environment.MachineName}-{Environment.ProcessId}";
        return await HoldAsync(id, LeaderKey(id), NewValue(candidate), candidate, options.Ttl, options.Wait, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<LeaderInfo?> GetLeaderAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var claim = await ReadAsync(LeaderKey(id), cancellationToken).ConfigureAwait(false);
        if (claim is null) return null;
        var bar = claim.Value.IndexOf('|', StringComparison.Ordinal);
        return new LeaderInfo(id, bar < 0 ? claim.Value : claim.Value[(bar + 1)..], claim.Token);
    }

    /// <inheritdoc />
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

    /// <summary>Where lock waits are measured, and the plug-in name they are tagged with (set by the container).</summary>
    internal (Telemetry.SyncTelemetry Meter, string Plugin)? Telemetry { get; set; }

    private ValueTask<LeaseHandle> HoldAsync(string id, string key, string value, string candidate, TimeSpan ttl, TimeSpan? wait, CancellationToken cancellationToken) =>
        Telemetry is { Meter.Enabled: true } telemetry
            ? MeasuredHoldAsync(telemetry.Meter, telemetry.Plugin, id, key, value, candidate, ttl, wait, cancellationToken)
            : WaitForHoldAsync(id, key, value, candidate, ttl, wait, cancellationToken);

    /// <summary>One place for every plug-in: how long the wait took and how it ended (a leader's candidate is never empty).</summary>
    private async ValueTask<LeaseHandle> MeasuredHoldAsync(Telemetry.SyncTelemetry meter, string plugin, string id, string key, string value, string candidate,
        TimeSpan ttl, TimeSpan? wait, CancellationToken cancellationToken)
    {
        var started = Time.GetTimestamp();
        var outcome = "error";
        try
        {
            var handle = await WaitForHoldAsync(id, key, value, candidate, ttl, wait, cancellationToken).ConfigureAwait(false);
            outcome = "acquired";
            return handle;
        }
        catch (LockTimeoutException)
        {
            outcome = "timeout";
            throw;
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
            throw;
        }
        finally
        {
            meter.RecordWait(plugin, leader: candidate.Length > 0, outcome, Time.GetElapsedTime(started));
        }
    }

    private async ValueTask<LeaseHandle> WaitForHoldAsync(string id, string key, string value, string candidate, TimeSpan ttl, TimeSpan? wait, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var started = Time.GetTimestamp();
        KeyWaiters? waiters = null;
        var errors = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Taken before the try: a release signalled after it wakes this waiter.
                var signal = waiters?.Signal;
                // The lease is valid from before the request was sent: our view of expiry is never later than the server's.
                var attemptAt = Time.GetTimestamp();
                LeaseAttempt attempt;
                try
                {
                    Interlocked.Increment(ref _attempts);
                    attempt = await TryAcquireAsync(key, value, ttl, cancellationToken).ConfigureAwait(false);
                    errors = 0;
                }
                catch (Exception e) when (wait != TimeSpan.Zero && !cancellationToken.IsCancellationRequested && _disposed == 0 && e is not (OperationCanceledException or ObjectDisposedException or ArgumentException))
                {
                    // Transient (connection lost, failover, timeout): the wait goes on, with backoff, until its limit.
                    errors++;
                    var retry = TimeSpan.FromTicks(Math.Min(FirstErrorRetry.Ticks << Math.Min(errors - 1, 10), LastErrorRetry.Ticks));
                    if (wait is { } limit && Time.GetElapsedTime(started) + retry >= limit) throw;
                    SyncLog.WaitFailed(_logger, e, id, errors, retry);
                    await Task.Delay(retry, Time, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (attempt.Claim is { } claim)
                {
                    var handle = new LeaseHandle(this, id, candidate, claim, ttl, Math.Min(attemptAt, claim.StartedAt ?? attemptAt));
                    _handles.TryAdd(handle, 0);
                    handle.Start();
                    return handle;
                }
                var delay = Options.PollInterval;
                // The holder's lease runs out then (unless renewed): try just after, not a poll interval later.
                if (attempt.HeldFor is { } held && held < delay) delay = held + TimeSpan.FromMilliseconds(1 + Random.Shared.Next(5));
                if (wait is { } max)
                {
                    var left = max - Time.GetElapsedTime(started);
                    if (left <= TimeSpan.Zero) throw new LockTimeoutException(id, max);
                    if (left < delay) delay = left;
                }
                if (waiters is null)
                {
                    // First failed try: start listening for releases, then try again at once (a release may have
                    // happened before the notification was active).
                    waiters = await EnterAsync(key, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var sleep = Task.Delay(delay, Time, stop.Token);
                await Task.WhenAny(signal!, sleep).ConfigureAwait(false);
                await stop.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            if (waiters is not null) Leave(key, waiters);
        }
    }

    /// <summary>Joins the waiters of <paramref name="key"/>; the first one starts the backend's release notification.</summary>
    private async ValueTask<KeyWaiters> EnterAsync(string key, CancellationToken cancellationToken)
    {
        KeyWaiters waiters;
        lock (_waiters)
        {
            if (!_waiters.TryGetValue(key, out waiters!))
            {
                _waiters[key] = waiters = new KeyWaiters();
                // Started off the lock (Task.Run never runs it inline), set under it: the next waiter always sees it.
                waiters.Watch = Task.Run(() => StartWatchAsync(key, waiters));
            }
            waiters.Count++;
        }
        // Every waiter waits for the notification to be active (bounded): after that no release is missed.
        try { await waiters.Watch!.WaitAsync(TimeSpan.FromSeconds(5), Time, cancellationToken).ConfigureAwait(false); }
        catch (TimeoutException) { /* the poll interval covers a slow start */ }
        return waiters;
    }

    private async Task<IAsyncDisposable?> StartWatchAsync(string key, KeyWaiters waiters)
    {
        try
        {
            return await WatchReleasesAsync(key, waiters.Wake, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // No notification: waiters still see releases through the lease's remaining time and the poll interval.
            SyncLog.WatchFailed(_logger, e, key);
            return null;
        }
    }

    private void Leave(string key, KeyWaiters waiters)
    {
        lock (_waiters)
        {
            if (--waiters.Count > 0) return;
            _waiters.Remove(key);
        }
        _ = StopWatchAsync(waiters);
    }

    private static async Task StopWatchAsync(KeyWaiters waiters)
    {
        try
        {
            if (await waiters.Watch!.ConfigureAwait(false) is { } watch) await watch.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Stopping a notification that already broke: nothing left to do.
        }
    }

    /// <summary>Wakes the waiters of <paramref name="key"/> in this process (after a release here, or a backend notification).</summary>
    private void Wake(string key)
    {
        KeyWaiters? waiters;
        lock (_waiters) _waiters.TryGetValue(key, out waiters);
        waiters?.Wake();
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
            Wake(handle.Claim.Key);
        }
    }

    /// <summary>The waiters of one key in this process: how many, the signal they sleep on, the backend's notification.</summary>
    private sealed class KeyWaiters
    {
        private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count { get; set; }

        public Task<IAsyncDisposable?>? Watch { get; set; }

        public Task Signal => Volatile.Read(ref _signal).Task;

        /// <summary>Completes the current signal and arms a fresh one for the next sleep.</summary>
        public void Wake() =>
            Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    internal ValueTask<bool> RenewHeldAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken) =>
        RenewAsync(claim, ttl, cancellationToken);

    internal void Forget(LeaseHandle handle) => _handles.TryRemove(handle, out _);
}
