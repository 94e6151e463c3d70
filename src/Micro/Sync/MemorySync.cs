namespace Micro.Sync;

/// <summary>
/// In-process locks and elections: the default, and the reference the backends are tested against.
/// Leases expire on <see cref="TimeProvider"/>'s clock, so tests can drive expiry with a fake clock.
/// </summary>
public sealed class MemorySync(TimeProvider? time = null) : LeaseSync(time)
{
    private readonly Dictionary<string, (LeaseClaim Claim, DateTimeOffset Expires)> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _tokens = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    protected override ValueTask<LeaseClaim?> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = Time.GetUtcNow();
            if (_leases.TryGetValue(key, out var held) && held.Expires > now) return ValueTask.FromResult<LeaseClaim?>(null);
            _tokens.TryGetValue(key, out var last);
            var claim = new LeaseClaim(key, value, _tokens[key] = last + 1);
            _leases[key] = (claim, now + ttl);
            return ValueTask.FromResult<LeaseClaim?>(claim);
        }
    }

    protected override ValueTask<bool> RenewAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = Time.GetUtcNow();
            if (!_leases.TryGetValue(claim.Key, out var held) || held.Claim.Value != claim.Value || held.Expires <= now)
                return ValueTask.FromResult(false);
            _leases[claim.Key] = (held.Claim, now + ttl);
            return ValueTask.FromResult(true);
        }
    }

    protected override ValueTask ReleaseAsync(LeaseClaim claim, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_leases.TryGetValue(claim.Key, out var held) && held.Claim.Value == claim.Value) _leases.Remove(claim.Key);
        }
        return ValueTask.CompletedTask;
    }

    protected override ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_leases.TryGetValue(key, out var held) && held.Expires > Time.GetUtcNow() ? held.Claim : null);
        }
    }

    /// <summary>When the lease on <paramref name="key"/> expires, or null when there is none (for tests).</summary>
    public DateTimeOffset? ExpiresAt(string key)
    {
        lock (_gate) return _leases.TryGetValue(key, out var held) ? held.Expires : null;
    }

    /// <summary>Deletes a lease behind its holder's back, as an operator or a partition would (for tests).</summary>
    public void Revoke(string key)
    {
        lock (_gate) _leases.Remove(key);
    }
}
