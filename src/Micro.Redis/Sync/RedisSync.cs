using System.Globalization;
using Micro.Sync;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Micro.Redis.Sync;

/// <summary>
/// Locks on a single Redis instance: <c>SET key value PX ttl</c> with a per-hold random value, and Lua scripts so
/// that renew and release only ever touch the caller's own hold. A lease key and its fencing counter share one hash
/// tag (<c>{...}</c>), so every script touches one slot and runs on Redis Cluster too. Fencing tokens are
/// <c>max(last token + 1, Redis's clock in microseconds)</c>: strictly increasing for an id, and still increasing after
/// a restart that lost the counter (no persistence) unless Redis's clock went back. A release publishes on the key's
/// channel, so waiters in other processes wake at once instead of polling; a dead holder's lease is retried when its
/// PTTL runs out. Limits: one Redis instance (no Redlock); a failover to a replica that missed the write can grant
/// the lock twice; expiry runs on Redis's clock while holders time themselves on theirs.
/// </summary>
public sealed class RedisSync : LeaseSync
{
    // KEYS[1] lease, KEYS[2] fencing counter; ARGV[1] holder value, ARGV[2] ttl ms. Stored value: "token:holder".
    // Returns {token} when taken, {0, pttl} when held.
    private const string AcquireScript = """
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl ~= -2 then return {0, ttl} end
        local now = redis.call('TIME')
        local floor = tonumber(now[1]) * 1000000 + tonumber(now[2])
        local token = redis.call('INCR', KEYS[2])
        if token < floor then
          token = floor
          redis.call('SET', KEYS[2], string.format('%d', token))
        end
        redis.call('SET', KEYS[1], string.format('%d', token) .. ':' .. ARGV[1], 'PX', ARGV[2])
        return {token}
        """;

    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;

    // KEYS[1] lease; ARGV[1] stored value, ARGV[2] the release channel.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('PUBLISH', ARGV[2], '1')
          return 1
        end
        return 0
        """;

    private readonly IConnectionMultiplexer _connection;
    private readonly string _prefix;
    private readonly SemaphoreSlim _checked = new(1, 1);
    private volatile bool _policyChecked;

    /// <summary>
    /// Locks on <paramref name="connection"/> (shared, not disposed by the sync), keys under <see cref="SyncOptions.Namespace"/>.
    /// </summary>
    public RedisSync(IConnectionMultiplexer connection, SyncOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
        : base(options, time, logger)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _prefix = Options.Namespace + ":sync:";
    }

    /// <summary>Disposing the sync also disposes the connection (a connection the sync's registration made itself).</summary>
    internal bool OwnsConnection { get; init; }

    private IDatabase Db => _connection.GetDatabase();

    /// <summary>The Redis key holding a lease ("lock/{id}" or "leader/{id}"); the braces make it the hash tag.</summary>
    internal string LeaseKey(string key) => _prefix + "{" + key + "}";

    private string FenceKey(string key) => LeaseKey(key) + ":fence";

    private RedisChannel ReleaseChannel(string key) => RedisChannel.Literal(LeaseKey(key) + ":released");

    /// <inheritdoc />
    protected override async ValueTask<LeaseAttempt> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        if (!_policyChecked) await CheckEvictionPolicyAsync(cancellationToken).ConfigureAwait(false);
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(AcquireScript, [LeaseKey(key), FenceKey(key)], [value, Milliseconds(ttl)]).ConfigureAwait(false))!;
        var token = (long)result[0];
        if (token != 0) return LeaseAttempt.Acquired(new LeaseClaim(key, value, token));
        var pttl = (long)result[1];
        return LeaseAttempt.Held(pttl >= 0 ? TimeSpan.FromMilliseconds(pttl) : null);
    }

    /// <inheritdoc />
    protected override async ValueTask<bool> RenewAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken) =>
        (long)await Db.ScriptEvaluateAsync(RenewScript, [LeaseKey(claim.Key)], [Stored(claim), Milliseconds(ttl)]).ConfigureAwait(false) == 1;

    /// <inheritdoc />
    protected override async ValueTask ReleaseAsync(LeaseClaim claim, CancellationToken cancellationToken) =>
        await Db.ScriptEvaluateAsync(ReleaseScript, [LeaseKey(claim.Key)], [Stored(claim), (RedisValue)ReleaseChannel(claim.Key).ToString()]).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var stored = (string?)await Db.StringGetAsync(LeaseKey(key)).ConfigureAwait(false);
        if (stored is null) return null;
        var colon = stored.IndexOf(':', StringComparison.Ordinal);
        return new LeaseClaim(key, stored[(colon + 1)..], long.Parse(stored.AsSpan(0, colon), CultureInfo.InvariantCulture));
    }

    /// <summary>Subscribes to the key's release channel (one subscription per waiting key, on the shared connection).</summary>
    protected override async ValueTask<IAsyncDisposable?> WatchReleasesAsync(string key, Action released, CancellationToken cancellationToken)
    {
        var subscriber = _connection.GetSubscriber();
        var channel = ReleaseChannel(key);
        Action<RedisChannel, RedisValue> handler = (_, _) => released();
        await subscriber.SubscribeAsync(channel, handler).ConfigureAwait(false);
        return new Subscription(subscriber, channel, handler);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeCoreAsync()
    {
        if (OwnsConnection) await _connection.DisposeAsync().ConfigureAwait(false);
        _checked.Dispose();
    }

    /// <summary>
    /// Fencing counters have no TTL: an allkeys-* eviction policy could drop one (tokens would then fall back to the clock floor,
    /// still increasing, but a lease could be evicted from under its holder). Refuse that configuration at the first use.
    /// </summary>
    private async Task CheckEvictionPolicyAsync(CancellationToken cancellationToken)
    {
        await _checked.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_policyChecked) return;
            string? policy = null;
            try
            {
                var answer = await Db.ExecuteAsync("CONFIG", "GET", "maxmemory-policy").ConfigureAwait(false);
                var pair = (RedisResult[])answer!;
                if (pair.Length == 2) policy = (string?)pair[1];
            }
            catch (RedisServerException)
            {
                // CONFIG is disabled (managed Redis): nothing to check; the README states the requirement.
            }
            if (policy is not null && policy.StartsWith("allkeys-", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"Redis maxmemory-policy is '{policy}': it may evict locks and fencing counters. Use noeviction (or a volatile-* policy) for Micro's sync.");
            _policyChecked = true;
        }
        finally
        {
            _checked.Release();
        }
    }

    private static string Stored(LeaseClaim claim) => claim.Token.ToString(CultureInfo.InvariantCulture) + ":" + claim.Value;

    // PX needs a whole, positive number of milliseconds.
    private static long Milliseconds(TimeSpan ttl) => Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));

    private sealed class Subscription(ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await subscriber.UnsubscribeAsync(channel, handler).ConfigureAwait(false);
    }
}
