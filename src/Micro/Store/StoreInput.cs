using System.Text;

namespace Micro.Store;

/// <summary>Input checks and conventions every store applies the same way, before anything is written.</summary>
internal static class StoreInput
{
    /// <summary>Database and table names become SQL identifiers and Redis key parts: keep them plain.</summary>
    public static (string Database, string Table) Scope(StoreScope? scope, StoreOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var database = scope?.Database ?? defaults.Database ?? "micro";
        var table = scope?.Table ?? defaults.Table;
        CheckName(database, "database");
        CheckName(table, "table");
        return (database, table);
    }

    /// <summary>A key names one record: not empty, and valid UTF-16 so that its UTF-8 bytes are its identity.</summary>
    public static void CheckKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
            throw new StoreArgumentException(StoreArgumentException.InvalidKey, 400, "a store key must not be empty");
        CheckText(key, "key");
    }

    /// <summary>An exact read needs a key; a prefix or suffix read may use "" for "everything".</summary>
    public static void CheckRead(string key, ReadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (options is null or { Prefix: false, Suffix: false })
        {
            CheckKey(key);
            return;
        }
        CheckText(key, options.Prefix ? "prefix" : "suffix");
        CheckPage(options.Offset, options.Limit, options.StartAfter);
    }

    /// <summary>Prefix, suffix, cursor and page of a listing.</summary>
    public static void CheckList(ListOptions? options)
    {
        if (options is null) return;
        if (options.Prefix is { } prefix) CheckText(prefix, "prefix");
        if (options.Suffix is { } suffix) CheckText(suffix, "suffix");
        CheckPage(options.Offset, options.Limit, options.StartAfter);
    }

    /// <summary>Key, metadata and size of a record to write.</summary>
    public static void CheckValue(StoreRecord record, StoreOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(defaults);
        CheckKey(record.Key);
        CheckMetadata(record);
        if (record.Value.Length > defaults.MaxValueSize)
            throw new StoreArgumentException(StoreArgumentException.TooLarge, 413,
                $"value of '{record.Key}' is {record.Value.Length} bytes; the limit is {defaults.MaxValueSize}");
    }

    /// <summary>The TTL of a write, if any; a TTL must be positive.</summary>
    public static TimeSpan? Ttl(WriteOptions? options)
    {
        if (options?.Ttl is not { } ttl) return null;
        if (ttl <= TimeSpan.Zero)
            throw new StoreArgumentException(StoreArgumentException.InvalidTtl, 400, $"TTL must be positive, not {ttl}");
        return ttl;
    }

    /// <summary>
    /// The absolute expiry of a write on a store that keeps time itself (memory, file): the TTL option
    /// wins over the record's own expiry. Stores on a shared server compute it on the server's clock.
    /// </summary>
    public static DateTimeOffset? Expiry(StoreRecord record, WriteOptions? options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(time);
        return Ttl(options) is { } ttl ? time.GetUtcNow() + ttl : record.Expiry;
    }

    /// <summary>The smallest byte string greater than every string starting with <paramref name="prefix"/>; null when there is none.</summary>
    public static byte[]? PrefixUpperBound(byte[] prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
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

    /// <summary>True when every surrogate in <paramref name="text"/> is half of a pair (UTF-8 can encode it exactly).</summary>
    public static bool IsValidText(ReadOnlySpan<char> text)
    {
        // Fast path: most keys have no surrogates at all.
        var first = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0) return true;
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
                return false;
            }
            if (char.IsLowSurrogate(c)) return false;
        }
        return true;
    }

    // UTF-8 with replacement characters would map "s\uD800", "s\uDC00" and "s\uFFFD" to one key.
    private static void CheckText(string text, string what)
    {
        if (!IsValidText(text))
            throw new StoreArgumentException(StoreArgumentException.InvalidKey, 400, $"the {what} contains a lone surrogate (invalid UTF-16)");
    }

    private static void CheckPage(int offset, int limit, string? startAfter)
    {
        if (offset < 0 || limit < 0)
            throw new StoreArgumentException(StoreArgumentException.InvalidPage, 400, $"limit ({limit}) and offset ({offset}) must not be negative");
        if (startAfter is not null) CheckText(startAfter, "cursor (StartAfter)");
    }

    private static void CheckMetadata(StoreRecord record)
    {
        if (record.Metadata is null)
            throw new StoreArgumentException(StoreArgumentException.InvalidMetadata, 400, $"metadata of '{record.Key}' is null; use an empty dictionary");
        foreach (var (name, value) in record.Metadata)
        {
            if (name is null || value is null || !IsValidText(name) || !IsValidText(value))
                throw new StoreArgumentException(StoreArgumentException.InvalidMetadata, 400, $"metadata of '{record.Key}' has a null or invalid entry '{name}'");
        }
    }

    private static readonly System.Buffers.SearchValues<char> NameCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

    private static void CheckName(string name, string what)
    {
        if (name.Length is 0 or > 63 || name.AsSpan().ContainsAnyExcept(NameCharacters))
            throw new StoreArgumentException(StoreArgumentException.InvalidName, 400, $"{what} name '{name}' must be 1-63 ASCII letters, digits, '_' or '-'");
    }
}
