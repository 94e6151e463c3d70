using Micro.Errors;

namespace Micro.Store;

/// <summary>A conditional write whose expected version did not match (409 <c>micro.store.conflict</c>).</summary>
public sealed class StoreConflictException(string key, long expected, long actual)
    : MicroException("micro.store.conflict", 409, $"key '{key}' is at version {actual}, not {expected}")
{
    /// <summary>The version the write required (0 = absent).</summary>
    public long Expected { get; } = expected;

    /// <summary>The live version found (0 = absent).</summary>
    public long Actual { get; } = actual;
}

/// <summary>
/// Invalid input to a store; nothing was written. <see cref="MicroException.Id"/> says which argument
/// was wrong (one of the constants here), <see cref="MicroException.Code"/> is 400 (413 for too large).
/// </summary>
public sealed class StoreArgumentException(string id, int code, string detail) : MicroException(id, code, detail)
{
    /// <summary>An empty key, or a key, prefix, suffix or cursor that is not valid UTF-16 (a lone surrogate).</summary>
    public const string InvalidKey = "micro.store.invalid_key";

    /// <summary>A database or table name outside <c>[A-Za-z0-9_-]{1,63}</c>.</summary>
    public const string InvalidName = "micro.store.invalid_name";

    /// <summary>A value over <see cref="StoreOptions.MaxValueSize"/> (code 413).</summary>
    public const string TooLarge = "micro.store.too_large";

    /// <summary>A zero or negative <see cref="WriteOptions.Ttl"/>.</summary>
    public const string InvalidTtl = "micro.store.invalid_ttl";

    /// <summary>Null metadata, or metadata with a null or invalid-UTF-16 key or value.</summary>
    public const string InvalidMetadata = "micro.store.invalid_metadata";

    /// <summary>A negative limit or offset.</summary>
    public const string InvalidPage = "micro.store.invalid_page";
}
