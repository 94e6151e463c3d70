namespace Micro.Store;

/// <summary>One stored value.</summary>
public sealed record StoreRecord
{
    /// <summary>The key: not empty, valid UTF-16 (stored as its UTF-8 bytes).</summary>
    public required string Key { get; init; }

    /// <summary>The value's bytes (copied by the store on write).</summary>
    public ReadOnlyMemory<byte> Value { get; init; }

    /// <summary>String key/values stored with the value; never null.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>When the record stops being readable; null = never. <see cref="WriteOptions.Ttl"/> sets it relative to now.</summary>
    public DateTimeOffset? Expiry { get; init; }

    /// <summary>
    /// Set by the store: the table's revision at this record's write. Every write to a table gets a higher
    /// version than any earlier write to that table, so a key's version strictly increases across writes,
    /// deletes and expiry and is never reused (a conditional write with a version read before a delete fails).
    /// Versions are not write counts: they may skip numbers.
    /// </summary>
    public long Version { get; init; }
}
