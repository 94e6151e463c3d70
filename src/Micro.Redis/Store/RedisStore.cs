using Micro.Store;
using StackExchange.Redis;

namespace Micro.Redis.Store;

/// <summary>
/// The store on Redis. A record is a hash (<c>d</c> value, <c>m</c> metadata, <c>v</c> version, <c>e</c> expiry)
/// with Redis' own TTL. Each table keeps a sorted set of its keys (all score 0, so ZRANGEBYLEX orders them
/// by bytes and a prefix is a range: no KEYS or SCAN) and a sorted set of expiries, used to drop expired keys
/// from the index before listing. Writes are one Lua script, so the version check and the write are atomic.
/// </summary>
public sealed class RedisStore : IStore
{
    private const string WriteScript = """
        local old = redis.call('HMGET', KEYS[1], 'v', 'e')
        local current = tonumber(old[1] or '0')
        if ARGV[5] ~= '' and tonumber(ARGV[5]) ~= current then return {-1, current} end
        local version = current + 1
        redis.call('HSET', KEYS[1], 'd', ARGV[2], 'm', ARGV[3], 'v', version, 'e', ARGV[4])
        if ARGV[4] ~= '' then
          redis.call('PEXPIREAT', KEYS[1], ARGV[4])
          redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
        elseif old[2] and old[2] ~= '' then
          redis.call('PERSIST', KEYS[1])
          redis.call('ZREM', KEYS[3], ARGV[1])
        end
        redis.call('ZADD', KEYS[2], 0, ARGV[1])
        return {version, current}
        """;

    private const string SweepScript = """
        local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
        for i = 1, #dead, 500 do
          local batch = {unpack(dead, i, math.min(i + 499, #dead))}
          redis.call('ZREM', KEYS[1], unpack(batch))
          redis.call('ZREM', KEYS[2], unpack(batch))
        end
        return #dead
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly bool _ownsConnection;
    private readonly StoreOptions _options;
    private readonly string _prefix;
    private readonly TimeProvider _time;
    private int _closed;

    public RedisStore(IConnectionMultiplexer redis, StoreOptions? options = null, string prefix = "micro:", TimeProvider? time = null, bool ownsConnection = false)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _options = options ?? new StoreOptions();
        _prefix = prefix;
        _time = time ?? TimeProvider.System;
        _ownsConnection = ownsConnection;
    }

    public static async Task<RedisStore> ConnectAsync(string address, StoreOptions? options = null, string prefix = "micro:") =>
        new(await ConnectionMultiplexer.ConnectAsync(address).ConfigureAwait(false), options, prefix, ownsConnection: true);

    public string Name => "redis";

    private IDatabase Db
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
            return _redis.GetDatabase();
        }
    }

    /// <summary>Key names of one table; the hash tag keeps a table's keys in one cluster slot.</summary>
    private (string Record, RedisKey Index, RedisKey Expiries) Keys(StoreScope? scope)
    {
        var (database, table) = StoreInput.Scope(scope, _options);
        var tag = $"{_prefix}{{{database}/{table}}}";
        return (tag + ":r:", tag + ":i", tag + ":x");
    }

    public async ValueTask<IReadOnlyList<StoreRecord>> ReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckReadKey(key, options);
        var db = Db;
        var (record, _, _) = Keys(options);
        if (options is null or { Prefix: false, Suffix: false })
        {
            var single = await ReadOneAsync(db, record, key).ConfigureAwait(false);
            return single is null ? [] : [single];
        }
        var keys = await ListAsync(new ListOptions
        {
            Database = options.Database, Table = options.Table, Offset = options.Offset, Limit = options.Limit,
            Prefix = options.Prefix ? key : null, Suffix = options.Suffix ? key : null,
        }, cancellationToken).ConfigureAwait(false);
        var reads = keys.Select(k => ReadOneAsync(db, record, k)).ToArray();
        var records = await Task.WhenAll(reads).ConfigureAwait(false);
        return records.Where(r => r is not null).ToList()!;
    }

    private static async Task<StoreRecord?> ReadOneAsync(IDatabase db, string record, string key)
    {
        var fields = await db.HashGetAsync(record + key, ["d", "m", "v", "e"]).ConfigureAwait(false);
        if (fields[2].IsNull) return null;
        var expiry = fields[3].IsNullOrEmpty ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds((long)fields[3]);
        return new StoreRecord
        {
            Key = key,
            Value = (byte[])fields[0]!,
            Metadata = StoreMetadata.Decode((string)fields[1]!),
            Version = (long)fields[2],
            Expiry = expiry,
        };
    }

    public async ValueTask<long> WriteAsync(StoreRecord record, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckValue(record, _options);
        var expiry = StoreInput.Expiry(record, options, _time);
        var db = Db;
        var (prefix, index, expiries) = Keys(options);
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(WriteScript, [prefix + record.Key, index, expiries],
        [
            record.Key,
            record.Value,
            StoreMetadata.Encode(record.Metadata),
            expiry is { } e ? e.ToUnixTimeMilliseconds() : "",
            options?.IfVersion is { } v ? v : "",
        ]).ConfigureAwait(false))!;
        var version = (long)result[0];
        if (version < 0) throw new StoreConflictException(record.Key, options!.IfVersion!.Value, (long)result[1]);
        return version;
    }

    public async ValueTask DeleteAsync(string key, StoreScope? scope = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckKey(key);
        var db = Db;
        var (record, index, expiries) = Keys(scope);
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(record + key);
        _ = transaction.SortedSetRemoveAsync(index, key);
        _ = transaction.SortedSetRemoveAsync(expiries, key);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<string>> ListAsync(ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        var db = Db;
        var (_, index, expiries) = Keys(options);
        await db.ScriptEvaluateAsync(SweepScript, [index, expiries], [_time.GetUtcNow().ToUnixTimeMilliseconds()]).ConfigureAwait(false);

        RedisValue low = default, high = default;
        var exclude = Exclude.None;
        if (!string.IsNullOrEmpty(options?.Prefix))
        {
            var prefixBytes = System.Text.Encoding.UTF8.GetBytes(options.Prefix);
            low = prefixBytes;
            if (StoreInput.PrefixUpperBound(prefixBytes) is { } upper)
            {
                high = upper;
                exclude = Exclude.Stop;
            }
        }
        var offset = Math.Max(options?.Offset ?? 0, 0);
        var limit = options?.Limit ?? 0;
        if (string.IsNullOrEmpty(options?.Suffix))
        {
            var page = await db.SortedSetRangeByValueAsync(index, low, high, exclude, offset, limit > 0 ? limit : -1).ConfigureAwait(false);
            return page.Select(v => (string)v!).ToList();
        }
        // A suffix is no range: walk the (prefix) range in batches and filter.
        var keys = new List<string>();
        var skipped = 0;
        const int batch = 1000;
        for (long from = 0; ; from += batch)
        {
            var chunk = await db.SortedSetRangeByValueAsync(index, low, high, exclude, from, batch).ConfigureAwait(false);
            foreach (var value in chunk)
            {
                var key = (string)value!;
                if (!key.EndsWith(options.Suffix, StringComparison.Ordinal)) continue;
                if (skipped++ < offset) continue;
                keys.Add(key);
                if (limit > 0 && keys.Count == limit) return keys;
            }
            if (chunk.Length < batch) return keys;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        if (_ownsConnection) await _redis.DisposeAsync().ConfigureAwait(false);
    }
}
