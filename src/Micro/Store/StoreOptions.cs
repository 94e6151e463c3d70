namespace Micro.Store;

/// <summary>Which database and table an operation targets; null = the store's defaults.</summary>
public record StoreScope
{
    /// <summary>The database (a schema, a file, a key prefix); null = <see cref="StoreOptions.Database"/>.</summary>
    public string? Database { get; init; }

    /// <summary>The table inside the database; null = <see cref="StoreOptions.Table"/>.</summary>
    public string? Table { get; init; }
}

/// <summary>How to read: one key, or every key with a prefix and/or suffix, paged.</summary>
public sealed record ReadOptions : StoreScope
{
    /// <summary>Treat the key as a prefix: every record whose key starts with it.</summary>
    public bool Prefix { get; init; }

    /// <summary>Treat the key as a suffix: every record whose key ends with it.</summary>
    public bool Suffix { get; init; }

    /// <summary>At most this many records; 0 = no limit. Negative is an error (<c>micro.store.invalid_page</c>).</summary>
    public int Limit { get; init; }

    /// <summary>Skip this many matching records first. Costs the skipped rows on every call: page with <see cref="StartAfter"/>.</summary>
    public int Offset { get; init; }

    /// <summary>Keyset cursor: only keys after this one (in key order). Pass the last key of the previous page.</summary>
    public string? StartAfter { get; init; }
}

/// <summary>How to write: TTL and an optional version condition.</summary>
public sealed record WriteOptions : StoreScope
{
    /// <summary>Expire this long after the write, on the store's clock (overrides the record's Expiry); must be positive.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Write only if the live version is this one (0 = only if the key does not exist).</summary>
    public long? IfVersion { get; init; }
}

/// <summary>Which keys to list: prefix and/or suffix, paged.</summary>
public sealed record ListOptions : StoreScope
{
    /// <summary>Only keys starting with this (matched literally).</summary>
    public string? Prefix { get; init; }

    /// <summary>Only keys ending with this (matched literally).</summary>
    public string? Suffix { get; init; }

    /// <summary>At most this many keys; 0 = no limit. Negative is an error (<c>micro.store.invalid_page</c>).</summary>
    public int Limit { get; init; }

    /// <summary>Skip this many matching keys first. Costs the skipped rows on every call: page with <see cref="StartAfter"/>.</summary>
    public int Offset { get; init; }

    /// <summary>Keyset cursor: only keys after this one (in key order). Pass the last key of the previous page.</summary>
    public string? StartAfter { get; init; }
}

/// <summary>
/// The store's options (one class for every backend): which store (<c>MICRO_STORE</c>), where it is
/// (<c>MICRO_STORE_ADDRESS</c>), the default database and table, limits and the sweep interval.
/// Read from <c>Micro:Store:*</c> or <c>MICRO_STORE_*</c>; code wins (<c>UseRedisStore(o => ...)</c>).
/// </summary>
public sealed class StoreOptions : IPluginOptions
{
    /// <summary>Which store: memory (default), file (Micro.Sqlite), postgres, redis (<c>MICRO_STORE</c>).</summary>
    public string? Plugin { get; set; }

    /// <summary>Where the store is: a folder (file), a connection string (postgres), host:port (redis) (<c>MICRO_STORE_ADDRESS</c>).</summary>
    public string? Address { get; set; }

    /// <summary>The database used when an operation names none; null = the service's name in a Micro service, else "micro".</summary>
    public string? Database { get; set; }

    /// <summary>The table used when an operation names none.</summary>
    public string Table { get; set; } = "default";

    /// <summary>Largest value accepted, in bytes (16 MiB by default).</summary>
    public int MaxValueSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>How often expired records are deleted to reclaim space (they are never returned anyway); 30 s by default.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    void IMicroOptions.Read(MicroSettings settings)
    {
        Plugin = settings.Plugin ?? Plugin;
        Address = settings.String(nameof(Address)) ?? Address;
        Database = settings.String(nameof(Database)) ?? Database;
        Table = settings.String(nameof(Table)) ?? Table;
        MaxValueSize = settings.Int32(nameof(MaxValueSize)) ?? MaxValueSize;
        SweepInterval = settings.Duration(nameof(SweepInterval)) ?? SweepInterval;
    }

    IEnumerable<string> IMicroOptions.Validate()
    {
        if (MaxValueSize <= 0) yield return $"{MicroSettings.Describe("Store", nameof(MaxValueSize))} must be positive";
        if (SweepInterval <= TimeSpan.Zero) yield return $"{MicroSettings.Describe("Store", nameof(SweepInterval))} must be positive";
    }
}
