using Micro.Sync;
using StackExchange.Redis;

namespace Micro.Redis.Sync;

/// <summary>
/// Locks on a single Redis instance: <c>SET key value NX PX ttl</c> with a per-hold random value, and
/// Lua scripts so that renew and release only ever touch the caller's own hold. Fencing tokens come
/// from <c>INCR</c> of a per-id counter in the same script as the SET, so they strictly increase.
/// Limits: one Redis instance (no Redlock); a failover to a replica that missed the write can grant the
/// lock twice; expiry runs on Redis's clock while holders time themselves on theirs (see docs/sync.md).
/// </summary>
public sealed class RedisSync : LeaseSync
{
    // KEYS[1] lease key, KEYS[2] fencing counter; ARGV[1] holder value, ARGV[2] ttl ms. Stored value: "token:holder".
    private const string AcquireScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        local token = redis.call('INCR', KEYS[2])
        redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
        return token
        """;

    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private readonly IConnectionMultiplexer _connection;
    private readonly bool _ownsConnection;
    private readonly string _prefix;

    /// <param name="prefix">Every key starts with this; tests use a unique one.</param>
    public RedisSync(IConnectionMultiplexer connection, string prefix = "micro:", TimeProvider? time = null, bool ownsConnection = false)
        : base(time)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _ownsConnection = ownsConnection;
        _prefix = prefix + "sync:";
    }

    private IDatabase Db => _connection.GetDatabase();

    /// <summary>The Redis key holding a lease ("lock/{id}" or "leader/{id}").</summary>
    public string LeaseKey(string key) => _prefix + key;

    private string FenceKey(string key) => _prefix + "fence:" + key;

    protected override async ValueTask<LeaseClaim?> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var result = await Db.ScriptEvaluateAsync(AcquireScript, [LeaseKey(key), FenceKey(key)], [value, Milliseconds(ttl)]).ConfigureAwait(false);
        var token = (long)result;
        return token == 0 ? null : new LeaseClaim(key, value, token);
    }

    protected override async ValueTask<bool> RenewAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken) =>
        (long)await Db.ScriptEvaluateAsync(RenewScript, [LeaseKey(claim.Key)], [Stored(claim), Milliseconds(ttl)]).ConfigureAwait(false) == 1;

    protected override async ValueTask ReleaseAsync(LeaseClaim claim, CancellationToken cancellationToken) =>
        await Db.ScriptEvaluateAsync(ReleaseScript, [LeaseKey(claim.Key)], [Stored(claim)]).ConfigureAwait(false);

    protected override async ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var stored = (string?)await Db.StringGetAsync(LeaseKey(key)).ConfigureAwait(false);
        if (stored is null) return null;
        var colon = stored.IndexOf(':', StringComparison.Ordinal);
        return new LeaseClaim(key, stored[(colon + 1)..], long.Parse(stored.AsSpan(0, colon), System.Globalization.CultureInfo.InvariantCulture));
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        if (_ownsConnection) await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private static string Stored(LeaseClaim claim) => claim.Token.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + claim.Value;

    // PX needs a whole, positive number of milliseconds.
    private static long Milliseconds(TimeSpan ttl) => Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));
}
