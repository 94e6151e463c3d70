using System.Text;

namespace Micro.Store;

/// <summary>Input checks and conventions every store applies the same way.</summary>
public static class StoreInput
{
    /// <summary>Database and table names become SQL identifiers and Redis key parts: keep them plain.</summary>
    public static (string Database, string Table) Scope(StoreScope? scope, StoreOptions defaults)
    {
        var database = scope?.Database ?? defaults.Database;
        var table = scope?.Table ?? defaults.Table;
        CheckName(database, "database");
        CheckName(table, "table");
        return (database, table);
    }

    public static void CheckKey(string key)
    {
        if (string.IsNullOrEmpty(key))
            throw new StoreArgumentException(StoreArgumentException.InvalidKey, 400, "a store key must not be empty");
    }

    /// <summary>An exact read needs a key; a prefix or suffix read may use "" for "everything".</summary>
    public static void CheckReadKey(string key, ReadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (options is null or { Prefix: false, Suffix: false }) CheckKey(key);
    }

    public static void CheckValue(StoreRecord record, StoreOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(record);
        CheckKey(record.Key);
        if (record.Value.Length > defaults.MaxValueSize)
            throw new StoreArgumentException(StoreArgumentException.TooLarge, 413,
                $"value of '{record.Key}' is {record.Value.Length} bytes; the limit is {defaults.MaxValueSize}");
    }

    /// <summary>The absolute expiry of a write: the TTL option wins over the record's own expiry.</summary>
    public static DateTimeOffset? Expiry(StoreRecord record, WriteOptions? options, TimeProvider time)
    {
        if (options?.Ttl is { } ttl)
        {
            if (ttl <= TimeSpan.Zero) throw new StoreArgumentException(StoreArgumentException.InvalidKey, 400, "TTL must be positive");
            return time.GetUtcNow() + ttl;
        }
        return record.Expiry;
    }

    /// <summary>The smallest byte string greater than every string starting with <paramref name="prefix"/>; null when there is none.</summary>
    public static byte[]? PrefixUpperBound(byte[] prefix)
    {
        var upper = (byte[])prefix.Clone();
        for (var i = upper.Length - 1; i >= 0; i--)
        {
            if (upper[i] == 0xFF) continue;
            upper[i]++;
            return upper[..(i + 1)];
        }
        return null;
    }

    /// <summary>Keys compare by their UTF-8 bytes, which every SQL engine and Redis agree on.</summary>
    public static readonly IComparer<string> KeyOrder = Comparer<string>.Create(static (a, b) =>
    {
        if (ReferenceEquals(a, b)) return 0;
        Span<byte> left = a.Length <= 256 ? stackalloc byte[a.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(a.Length)];
        Span<byte> right = b.Length <= 256 ? stackalloc byte[b.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(b.Length)];
        var l = Encoding.UTF8.GetBytes(a, left);
        var r = Encoding.UTF8.GetBytes(b, right);
        return left[..l].SequenceCompareTo(right[..r]);
    });

    private static readonly System.Buffers.SearchValues<char> NameCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

    private static void CheckName(string name, string what)
    {
        if (name.Length is 0 or > 63 || name.AsSpan().ContainsAnyExcept(NameCharacters))
            throw new StoreArgumentException(StoreArgumentException.InvalidName, 400, $"{what} name '{name}' must be 1-63 ASCII letters, digits, '_' or '-'");
    }
}
