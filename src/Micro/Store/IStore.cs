namespace Micro.Store;

/// <summary>
/// Key/value records with metadata and expiry, isolated by database and table. Implementations:
/// memory, file (SQLite), PostgreSQL/CockroachDB, Redis; all pass <c>StoreConformanceSuite</c>.
/// Keys are ordered by their UTF-8 bytes (ordinal), the same on every backend.
/// </summary>
public interface IStore : IAsyncDisposable
{
    /// <summary>"memory", "file", "postgres", "redis".</summary>
    string Name { get; }

    /// <summary>
    /// The record at <paramref name="key"/> (zero or one), or with <see cref="ReadOptions.Prefix"/> /
    /// <see cref="ReadOptions.Suffix"/> every record whose key starts / ends with it, in key order.
    /// </summary>
    ValueTask<IReadOnlyList<StoreRecord>> ReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Writes the record (last write wins) and returns its new version.</summary>
    /// <exception cref="StoreConflictException">When <see cref="WriteOptions.IfVersion"/> does not match.</exception>
    ValueTask<long> WriteAsync(StoreRecord record, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the record; deleting a missing key is not an error.</summary>
    ValueTask DeleteAsync(string key, StoreScope? scope = null, CancellationToken cancellationToken = default);

    /// <summary>Keys in order, filtered by prefix and/or suffix, paged by offset and limit.</summary>
    ValueTask<IReadOnlyList<string>> ListAsync(ListOptions? options = null, CancellationToken cancellationToken = default);
}
