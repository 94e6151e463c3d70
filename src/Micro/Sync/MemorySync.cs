using Microsoft.Extensions.Logging;

namespace Micro.Sync;

/// <summary>
/// In-process locks and elections: the default, and the reference the backends are tested against.
/// Leases expire on the same monotonic clock the holders time themselves with
/// (<see cref="TimeProvider.GetTimestamp"/>), so a wall-clock jump neither expires nor extends them;
/// tests drive expiry with a fake clock.
/// </summary>
public sealed class MemorySync : LeaseSync
{
    private readonly Dictionary<string, (LeaseClaim Claim, long Expires)> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _tokens = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>An in-process lock space with <paramref name="options"/> on <paramref name="time"/> (the system clock when null).</summary>
    public MemorySync(SyncOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
        : base(options, time, logger)
    {
    }

    /// <inheritdoc />
    protected override ValueTask<LeaseAttempt> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = Time.GetTimestamp();
            if (_leases.TryGetValue(key, out var held) && held.Expires > now)
                return ValueTask.FromResult(LeaseAttempt.Held(Time.GetElapsedTime(now, held.Expires)));
            _tokens.TryGetValue(key, out var last);
            var claim = new LeaseClaim(key, value, _tokens[key] = last + 1);
            _leases[key] = (claim, now + Ticks(ttl));
            return ValueTask.FromResult(LeaseAttempt.Acquired(claim));
        }
    }

    /// <inheritdoc />
    protected override ValueTask<bool> RenewAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = Time.GetTimestamp();
            if (!_leases.TryGetValue(claim.Key, out var held) || held.Claim.Value != claim.Value || held.Expires <= now)
                return ValueTask.FromResult(false);
            _leases[claim.Key] = (held.Claim, now + Ticks(ttl));
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    protected override ValueTask ReleaseAsync(LeaseClaim claim, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_leases.TryGetValue(claim.Key, out var held) && held.Claim.Value == claim.Value) _leases.Remove(claim.Key);
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_leases.TryGetValue(key, out var held) && held.Expires > Time.GetTimestamp() ? held.Claim : null);
        }
    }

    /// <summary>When the lease on <paramref name="key"/> expires (a <see cref="TimeProvider.GetTimestamp"/> value), or null (for tests).</summary>
    internal long? ExpiresAt(string key)
    {
        lock (_gate) return _leases.TryGetValue(key, out var held) ? held.Expires : null;
    }

    /// <summary>Deletes a lease behind its holder's back, as an operator or a partition would (for tests).</summary>
    internal void Revoke(string key)
    {
        lock (_gate) _leases.Remove(key);
    }

    private long Ticks(TimeSpan span) => (long)(span.Ticks * (double)Time.TimestampFrequency / TimeSpan.TicksPerSecond);
}
