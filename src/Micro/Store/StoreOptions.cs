namespace Micro.Store;

/// <summary>Which database and table an operation targets; null = the store's defaults.</summary>
public record StoreScope
{
    public string? Database { get; init; }
    public string? Table { get; init; }
}

public sealed record ReadOptions : StoreScope
{
    /// <summary>Treat the key as a prefix: every record whose key starts with it.</summary>
    public bool Prefix { get; init; }

    /// <summary>Treat the key as a suffix: every record whose key ends with it.</summary>
    public bool Suffix { get; init; }

    /// <summary>At most this many records (0 = no limit).</summary>
    public int Limit { get; init; }

    public int Offset { get; init; }
}

public sealed record WriteOptions : StoreScope
{
    /// <summary>Expire this long after the write (overrides the record's Expiry).</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Write only if the stored version is this one (0 = only if the key does not exist).</summary>
    public long? IfVersion { get; init; }
}

public sealed record ListOptions : StoreScope
{
    public string? Prefix { get; init; }
    public string? Suffix { get; init; }

    /// <summary>At most this many keys (0 = no limit).</summary>
    public int Limit { get; init; }

    public int Offset { get; init; }
}

/// <summary>Defaults of a store: a service gets its own database (its name) unless told otherwise.</summary>
public sealed record StoreOptions
{
    public string Database { get; init; } = "micro";
    public string Table { get; init; } = "default";

    /// <summary>Where the store is: a folder (file), a connection string (postgres), host:port (redis).</summary>
    public string? Address { get; init; }

    /// <summary>Largest value accepted, in bytes (documented limit: 16 MiB by default).</summary>
    public int MaxValueSize { get; init; } = 16 * 1024 * 1024;
}
