namespace Micro.Auth;

/// <summary>
/// A user or service known to auth. <see cref="Secret"/> is set only on the account
/// <see cref="IAuth.GenerateAsync"/> returns: the store keeps a hash, never the secret.
/// </summary>
public sealed record Account
{
    /// <summary>Account type of services (every service gets one on start).</summary>
    public const string ServiceType = "service";

    /// <summary>Account type of users.</summary>
    public const string UserType = "user";

    /// <summary>The account's name, unique in the store (a service account is named after its service).</summary>
    public required string Id { get; init; }

    /// <summary><see cref="ServiceType"/>, <see cref="UserType"/> or an application's own.</summary>
    public string Type { get; init; } = UserType;

    /// <summary>What the account may do, as rules name it (e.g. "orders.write").</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>Free-form key/values kept with the account (not carried in tokens).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The credential to exchange for tokens; only on a freshly generated account.</summary>
    public string? Secret { get; init; }

    /// <summary>Whether the account holds <paramref name="scope"/> (ordinal).</summary>
    public bool HasScope(string scope)
    {
        foreach (var s in Scopes)
            if (string.Equals(s, scope, StringComparison.Ordinal)) return true;
        return false;
    }
}
