namespace Micro.Store;

/// <summary>One stored value.</summary>
public sealed record StoreRecord
{
    public required string Key { get; init; }

    public ReadOnlyMemory<byte> Value { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>When the record stops being readable; null = never. <see cref="WriteOptions.Ttl"/> sets it relative to now.</summary>
    public DateTimeOffset? Expiry { get; init; }

    /// <summary>Set by the store on read: 1 for the first write of a key, +1 for each write after.</summary>
    public long Version { get; init; }
}
