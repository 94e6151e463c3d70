using System.Text;
using Micro.Store;
using StackExchange.Redis;

namespace Micro.Redis.Store;

/// <summary>
/// The store on Redis. A record is a hash (<c>d</c> value, <c>m</c> metadata, <c>v</c> version, <c>e</c> expiry)
/// with Redis' own TTL. Each table keeps a sorted set of its keys (all score 0, so ZRANGEBYLEX orders them
/// by bytes and a prefix or cursor is a range: no KEYS or SCAN), a sorted set of expiries (to drop expired
/// keys from the index before listing) and a revision counter that numbers its writes, so a key's version
/// never repeats across delete and expiry. Writes are one Lua script (version check, revision and write are
/// atomic), and every expiry is computed and judged on Redis's clock (<c>TIME</c>), never the client's.
/// A table's keys share one hash tag, so they live in one Redis Cluster slot.
/// </summary>
public sealed class RedisStore : IStore
{
    // KEYS: record, index, expiries, revision. ARGV: key, value, metadata, absolute expiry ms or '', TTL ms or '', expected version or ''.
    private const string WriteScript = """
        local old = redis.call('HMGET', KEYS[1], 'v', 'e')
        local current = tonumber(old[1] or '0')
        if ARGV[6] ~= '' and tonumber(ARGV[6]) ~= current then return {-1, current} end
        local version = redis.call('INCR', KEYS[4])
        if version <= current then
          -- the counter was lost (flushed or evicted) while records survived: never go back
          version = current + 1
          redis.call('SET', KEYS[4], version)
        end
        local expiry = ARGV[4]
        if ARGV[5] ~= '' then
          local now = redis.call('TIME')
          expiry = string.format('%d', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[5]))
        end
        redis.call('HSET', KEYS[1], 'd', ARGV[2], 'm', ARGV[3], 'v', version, 'e', expiry)
        if expiry ~= '' then
          redis.call('PEXPIREAT', KEYS[1], expiry)
          redis.call('ZADD', KEYS[3], expiry, ARGV[1])
        elseif old[2] and old[2] ~= '' then
          redis.call('PERSIST', KEYS[1])
          redis.call('ZREM', KEYS[3], ARGV[1])
        end
        redis.call('ZADD', KEYS[2], 0, ARGV[1])
        return {version, current}
        """;

    // KEYS: index, expiries. Drops keys that expired by Redis's clock from the index.
    private const string SweepScript = """
        local now = redis.call('TIME')
        local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ms)
        for i = 1, #dead, 500 do
          local batch = {unpack(dead, i, math.min(i + 499, #dead))}
          redis.call('ZREM', KEYS[1], unpack(batch))
          redis.call('ZREM', KEYS[2], unpack(batch))
        end
        return #dead
        """;

    private const string Prefix = "micro:";

    private readonly IConnectionMultiplexer _redis;
    private readonly StoreOptions _options;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(RedisKey, RedisKey), byte> _tables = new();
    private readonly ExpirySweeper _sweeper;
    private int _closed;

    /// <summary>
    /// A store on <paramref name="redis"/> (shared, not disposed by the store). <paramref name="time"/> only drives the
    /// sweeper's timer: expiry itself is Redis's clock.
    /// </summary>
    public RedisStore(IConnectionMultiplexer redis, StoreOptions? options = null, TimeProvider? time = null)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _options = options ?? new StoreOptions();
        _sweeper = new ExpirySweeper(SweepAsync, _options.SweepInterval, time ?? TimeProvider.System);
    }

    /// <summary>Connects to <paramref name="address"/> (host:port or a StackExchange.Redis configuration string); the store owns that connection.</summary>
    public static async Task<RedisStore> ConnectAsync(string address, StoreOptions? options = null, TimeProvider? time = null) =>
        new(await ConnectionMultiplexer.ConnectAsync(address).ConfigureAwait(false), options, time) { OwnsConnection = true };

    /// <summary>Disposing the store also disposes the connection (a connection the store's registration made itself).</summary>
    internal bool OwnsConnection { get; init; }

    /// <inheritdoc />
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
    private (string Record, RedisKey Index, RedisKey Expiries, RedisKey Revision) Keys(StoreScope? scope)
    {
        var (database, table) = StoreInput.Scope(scope, _options);
        var tag = $"{Prefix}{{{database}/{table}}}";
        return (tag + ":r:", tag + ":i", tag + ":x", tag + ":v");
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StoreRecord>> ReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckRead(key, options);
        var db = Db;
        var (record, _, _, _) = Keys(options);
        if (options is null or { Prefix: false, Suffix: false })
        {
            var single = await ReadOneAsync(db, record, key).ConfigureAwait(false);
            return single is null ? [] : [single];
        }
        var keys = await ListAsync(new ListOptions
        {
            Database = options.Database, Table = options.Table, Offset = options.Offset, Limit = options.Limit, StartAfter = options.StartAfter,
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

    /// <inheritdoc />
    public async ValueTask<long> WriteAsync(StoreRecord record, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckValue(record, _options);
        var ttl = StoreInput.Ttl(options);
        var db = Db;
        var (prefix, index, expiries, revision) = Keys(options);
        _tables.TryAdd((index, expiries), 0);
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(WriteScript, [prefix + record.Key, index, expiries, revision],
        [
            record.Key,
            record.Value,
            StoreMetadata.Encode(record.Metadata),
            ttl is null && record.Expiry is { } e ? e.ToUnixTimeMilliseconds() : "",
            ttl is { } t ? (long)Math.Ceiling(t.TotalMilliseconds) : "",
            options?.IfVersion is { } v ? v : "",
        ]).ConfigureAwait(false))!;
        var version = (long)result[0];
        if (version < 0) throw new StoreConflictException(record.Key, options!.IfVersion!.Value, (long)result[1]);
        return version;
    }

    /// <inheritdoc />
    public async ValueTask DeleteAsync(string key, StoreScope? scope = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckKey(key);
        var db = Db;
        // The revision counter stays: it already exceeds the deleted version, so the key's next write gets a higher one.
        var (record, index, expiries, _) = Keys(scope);
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(record + key);
        _ = transaction.SortedSetRemoveAsync(index, key);
        _ = transaction.SortedSetRemoveAsync(expiries, key);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> ListAsync(ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckList(options);
        var db = Db;
        var (_, index, expiries, _) = Keys(options);
        await db.ScriptEvaluateAsync(SweepScript, [index, expiries]).ConfigureAwait(false);

        // The range: from the prefix (inclusive) or the cursor (exclusive), whichever is later, to the prefix's end.
        RedisValue low = default, high = default;
        var exclude = Exclude.None;
        byte[]? prefixBytes = null;
        if (!string.IsNullOrEmpty(options?.Prefix))
        {
            prefixBytes = Encoding.UTF8.GetBytes(options.Prefix);
            low = prefixBytes;
            if (StoreInput.PrefixUpperBound(prefixBytes) is { } upper)
            {
                high = upper;
                exclude = Exclude.Stop;
            }
        }
        if (options?.StartAfter is { } after)
        {
            var afterBytes = Encoding.UTF8.GetBytes(after);
            if (prefixBytes is null || afterBytes.AsSpan().SequenceCompareTo(prefixBytes) >= 0)
            {
                low = afterBytes;
                exclude |= Exclude.Start;
            }
        }
        var offset = options?.Offset ?? 0;
        var limit = options?.Limit ?? 0;
        if (string.IsNullOrEmpty(options?.Suffix))
        {
            var page = await db.SortedSetRangeByValueAsync(index, low, high, exclude, Order.Ascending, offset, limit > 0 ? limit : -1).ConfigureAwait(false);
            return page.Select(v => (string)v!).ToList();
        }
        // A suffix is no range: walk the range in batches, each starting after the last key of the one before
        // (a cursor, not an offset, so the walk is linear), and filter.
        var keys = new List<string>();
        var skipped = 0;
        const int batch = 1000;
        while (true)
        {
            var chunk = await db.SortedSetRangeByValueAsync(index, low, high, exclude, Order.Ascending, 0, batch).ConfigureAwait(false);
            foreach (var value in chunk)
            {
                var key = (string)value!;
                if (!key.EndsWith(options.Suffix, StringComparison.Ordinal)) continue;
                if (skipped++ < offset) continue;
                keys.Add(key);
                if (limit > 0 && keys.Count == limit) return keys;
            }
            if (chunk.Length < batch) return keys;
            low = chunk[^1];
            exclude |= Exclude.Start;
        }
    }

    /// <summary>Drops expired keys from the index of every table this store wrote (the sweeper calls it).</summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var (index, expiries) in _tables.Keys)
        {
            if (Volatile.Read(ref _closed) != 0) return;
            await _redis.GetDatabase().ScriptEvaluateAsync(SweepScript, [index, expiries]).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        if (OwnsConnection) await _redis.DisposeAsync().ConfigureAwait(false);
    }
}
