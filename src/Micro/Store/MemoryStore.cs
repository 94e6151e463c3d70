namespace Micro.Store;

/// <summary>In-process store for tests and demos: nothing survives the process.</summary>
public sealed class MemoryStore(StoreOptions? options = null, TimeProvider? time = null) : IStore
{
    private readonly StoreOptions _options = options ?? new StoreOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<(string, string), SortedDictionary<string, StoreRecord>> _tables = [];
    private readonly object _gate = new();
    private bool _closed;
    private int _writes;

    public string Name => "memory";

    public ValueTask<IReadOnlyList<StoreRecord>> ReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckReadKey(key, options);
        lock (_gate)
        {
            var table = Table(options, create: false);
            IReadOnlyList<StoreRecord> result;
            if (table is null) result = [];
            else if (options is { Prefix: false, Suffix: false } or null)
                result = table.TryGetValue(key, out var record) && Live(record) ? [record] : [];
            else
                result = Page(table.Values.Where(r => Live(r)
                    && (!options.Prefix || r.Key.StartsWith(key, StringComparison.Ordinal))
                    && (!options.Suffix || r.Key.EndsWith(key, StringComparison.Ordinal))), options.Offset, options.Limit).ToList();
            return ValueTask.FromResult(result);
        }
    }

    public ValueTask<long> WriteAsync(StoreRecord record, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckValue(record, _options);
        var expiry = StoreInput.Expiry(record, options, _time);
        lock (_gate)
        {
            var table = Table(options, create: true)!;
            var current = table.TryGetValue(record.Key, out var existing) && Live(existing) ? existing.Version : 0;
            if (options?.IfVersion is { } expected && expected != current) throw new StoreConflictException(record.Key, expected, current);
            var version = (existing?.Version ?? 0) + 1;
            // Copy the bytes: the caller may reuse its buffer.
            table[record.Key] = record with { Value = record.Value.ToArray(), Expiry = expiry, Version = version, Metadata = new Dictionary<string, string>(record.Metadata) };
            return ValueTask.FromResult(version);
        }
    }

    public ValueTask DeleteAsync(string key, StoreScope? scope = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckKey(key);
        lock (_gate) Table(scope, create: false)?.Remove(key);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<string>> ListAsync(ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var table = Table(options, create: false);
            IReadOnlyList<string> keys = table is null ? [] : Page(table.Values.Where(r => Live(r)
                && (options?.Prefix is null || r.Key.StartsWith(options.Prefix, StringComparison.Ordinal))
                && (options?.Suffix is null || r.Key.EndsWith(options.Suffix, StringComparison.Ordinal))), options?.Offset ?? 0, options?.Limit ?? 0)
                .Select(r => r.Key).ToList();
            return ValueTask.FromResult(keys);
        }
    }

    private static IEnumerable<StoreRecord> Page(IEnumerable<StoreRecord> records, int offset, int limit)
    {
        if (offset > 0) records = records.Skip(offset);
        return limit > 0 ? records.Take(limit) : records;
    }

    private bool Live(StoreRecord record) => record.Expiry is not { } expiry || expiry > _time.GetUtcNow();

    // Caller holds _gate. Expired records are swept whenever their table is touched for writing.
    private SortedDictionary<string, StoreRecord>? Table(StoreScope? scope, bool create)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        var name = StoreInput.Scope(scope, _options);
        if (_tables.TryGetValue(name, out var table))
        {
            // Sweeping is O(table): do it now and then, not on every write.
            if (create && ++_writes % 1024 == 0) foreach (var dead in table.Values.Where(r => !Live(r)).Select(r => r.Key).ToList()) table.Remove(dead);
            return table;
        }
        if (!create) return null;
        return _tables[name] = new SortedDictionary<string, StoreRecord>(StoreInput.KeyOrder);
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate) _closed = true;
        return ValueTask.CompletedTask;
    }
}
