namespace Micro.Store;

/// <summary>
/// In-process store for tests and demos: nothing survives the process. Each table is a sorted set
/// (key order = UTF-8 byte order), so a prefix or a <see cref="ListOptions.StartAfter"/> cursor is a
/// range, not a scan; its revision counter gives every write a version no earlier record of the table had.
/// </summary>
public sealed class MemoryStore : IStore
{
    private static readonly IComparer<StoreRecord> ByKey = Comparer<StoreRecord>.Create(static (a, b) => StoreInput.KeyOrder.Compare(a.Key, b.Key));

    private readonly StoreOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<(string, string), Table> _tables = [];
    private readonly object _gate = new();
    private readonly ExpirySweeper _sweeper;
    private bool _closed;

    /// <summary>A store with <paramref name="options"/> (defaults when null) keeping time on <paramref name="time"/> (the system clock when null).</summary>
    public MemoryStore(StoreOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new StoreOptions();
        _time = time ?? TimeProvider.System;
        _sweeper = new ExpirySweeper(_ => { Sweep(); return Task.CompletedTask; }, _options.SweepInterval, _time);
    }

    /// <inheritdoc />
    public string Name => "memory";

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoreRecord>> ReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckRead(key, options);
        lock (_gate)
        {
            var table = Find(options);
            IReadOnlyList<StoreRecord> result;
            if (table is null) result = [];
            else if (options is { Prefix: false, Suffix: false } or null)
                result = table.Records.TryGetValue(Probe(key), out var record) && Live(record) ? [record] : [];
            else
                result = Page(table.Range(options.Prefix ? key : null, options.StartAfter)
                    .Where(r => Live(r) && (!options.Suffix || r.Key.EndsWith(key, StringComparison.Ordinal))), options.Offset, options.Limit).ToList();
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<long> WriteAsync(StoreRecord record, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckValue(record, _options);
        var expiry = StoreInput.Expiry(record, options, _time);
        // Copy the bytes and metadata before taking the lock: the caller may reuse its buffer.
        var copy = record with { Value = record.Value.ToArray(), Expiry = expiry, Metadata = new Dictionary<string, string>(record.Metadata) };
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            var name = StoreInput.Scope(options, _options);
            if (!_tables.TryGetValue(name, out var table)) _tables[name] = table = new Table();
            var existing = table.Records.TryGetValue(Probe(record.Key), out var found) ? found : null;
            var current = existing is not null && Live(existing) ? existing.Version : 0;
            if (options?.IfVersion is { } expected && expected != current) throw new StoreConflictException(record.Key, expected, current);
            var version = ++table.Revision;
            if (existing is not null) table.Records.Remove(existing);
            table.Records.Add(copy with { Version = version });
            return ValueTask.FromResult(version);
        }
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string key, StoreScope? scope = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckKey(key);
        lock (_gate) Find(scope)?.Records.Remove(Probe(key));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListAsync(ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckList(options);
        lock (_gate)
        {
            var table = Find(options);
            var suffix = options?.Suffix;
            IReadOnlyList<string> keys = table is null ? [] : Page(table.Range(options?.Prefix, options?.StartAfter)
                .Where(r => Live(r) && (suffix is null || r.Key.EndsWith(suffix, StringComparison.Ordinal))), options?.Offset ?? 0, options?.Limit ?? 0)
                .Select(r => r.Key).ToList();
            return ValueTask.FromResult(keys);
        }
    }

    /// <summary>Deletes the expired records of every table (the sweeper calls it); returns how many.</summary>
    internal int Sweep()
    {
        lock (_gate)
        {
            var removed = 0;
            foreach (var table in _tables.Values) removed += table.Records.RemoveWhere(r => !Live(r));
            return removed;
        }
    }

    private static StoreRecord Probe(string key) => new() { Key = key };

    private static IEnumerable<StoreRecord> Page(IEnumerable<StoreRecord> records, int offset, int limit)
    {
        if (offset > 0) records = records.Skip(offset);
        return limit > 0 ? records.Take(limit) : records;
    }

    private bool Live(StoreRecord record) => record.Expiry is not { } expiry || expiry > _time.GetUtcNow();

    // Caller holds _gate.
    private Table? Find(StoreScope? scope)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        return _tables.GetValueOrDefault(StoreInput.Scope(scope, _options));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        lock (_gate) _closed = true;
        await _sweeper.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>One table: its records in key order and the revision of its last write (never reset, so versions never repeat).</summary>
    private sealed class Table
    {
        public SortedSet<StoreRecord> Records { get; } = new(ByKey);

        public long Revision { get; set; }

        /// <summary>Records with <paramref name="prefix"/> after <paramref name="startAfter"/>: a range of the sorted set (O(log n) to its start).</summary>
        public IEnumerable<StoreRecord> Range(string? prefix, string? startAfter)
        {
            if (Records.Count == 0) yield break;
            if (string.IsNullOrEmpty(prefix)) prefix = null;
            var low = prefix;
            var exclusive = false;
            if (startAfter is not null && (low is null || StoreInput.KeyOrder.Compare(startAfter, low) >= 0)) (low, exclusive) = (startAfter, true);
            IEnumerable<StoreRecord> view = Records;
            if (low is not null)
            {
                if (StoreInput.KeyOrder.Compare(low, Records.Max!.Key) > 0) yield break;
                view = Records.GetViewBetween(Probe(low), Records.Max);
            }
            foreach (var record in view)
            {
                if (exclusive && string.Equals(record.Key, low, StringComparison.Ordinal)) continue;
                // Keys with one prefix are contiguous in byte order: the first that lacks it ends the range.
                if (prefix is not null && !record.Key.StartsWith(prefix, StringComparison.Ordinal)) yield break;
                yield return record;
            }
        }
    }
}
