using System.Text.Json.Serialization;

namespace Micro.Auth.Jwt;

/// <summary>An account as stored: the secret only as its SHA-256 (secrets are 256 random bits, so a slow hash adds nothing).</summary>
internal sealed record AccountRecord
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public List<string> Scopes { get; init; } = [];
    public Dictionary<string, string> Metadata { get; init; } = [];
    public string? SecretHash { get; init; }

    public Account ToAccount() => new() { Id = Id, Type = Type, Scopes = Scopes, Metadata = Metadata };
}

/// <summary>
/// A P-256 signing key as stored. It signs from <see cref="Created"/> until <see cref="SignUntil"/> and
/// validates until <see cref="ValidUntil"/> (when the longest-lived token it signed has expired); the
/// store record expires then too. The private part (<see cref="D"/>) never leaves the store and this process.
/// </summary>
internal sealed record KeyRecord
{
    public required string Kid { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset SignUntil { get; init; }
    public required DateTimeOffset ValidUntil { get; init; }
    public required string X { get; init; }
    public required string Y { get; init; }
    public required string D { get; init; }

    public override string ToString() => $"KeyRecord({Kid})";
}

/// <summary>Source-generated JSON for the auth tables (NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(AccountRecord))]
[JsonSerializable(typeof(KeyRecord))]
[JsonSerializable(typeof(Rule))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
