using Micro.Errors;

namespace Micro.Store;

/// <summary>A conditional write whose expected version did not match (409 <c>micro.store.conflict</c>).</summary>
public sealed class StoreConflictException(string key, long expected, long actual)
    : MicroException("micro.store.conflict", 409, $"key '{key}' is at version {actual}, not {expected}")
{
    public long Expected { get; } = expected;
    public long Actual { get; } = actual;
}

/// <summary>Invalid input to a store: empty key, bad database/table name, value over the limit.</summary>
public sealed class StoreArgumentException(string id, int code, string detail) : MicroException(id, code, detail)
{
    public const string InvalidKey = "micro.store.invalid_key";
    public const string InvalidName = "micro.store.invalid_name";
    public const string TooLarge = "micro.store.too_large";
}
