namespace Micro.Auth;

/// <summary>
/// What <see cref="IAuth.TokenAsync"/> exchanges: an account's id and secret, or a refresh token;
/// and the services the access token is for (its audiences; at least one).
/// </summary>
public sealed record TokenRequest
{
    /// <summary>The account id, with <see cref="Secret"/>.</summary>
    public string? Id { get; init; }

    /// <summary>The account secret from <see cref="IAuth.GenerateAsync"/>.</summary>
    public string? Secret { get; init; }

    /// <summary>A refresh token, instead of credentials.</summary>
    public string? RefreshToken { get; init; }

    /// <summary>The services that will accept the access token (JWT <c>aud</c>).</summary>
    public required IReadOnlyList<string> Audiences { get; init; }

    /// <summary>Access token lifetime; null = the provider's default (<see cref="AuthOptions.AccessTokenLifetime"/>).</summary>
    public TimeSpan? Lifetime { get; init; }

    /// <summary>Exchanges credentials.</summary>
    public static TokenRequest FromCredentials(string id, string secret, params string[] audiences) =>
        new() { Id = id, Secret = secret, Audiences = audiences };

    /// <summary>Exchanges a refresh token.</summary>
    public static TokenRequest FromRefreshToken(string refreshToken, params string[] audiences) =>
        new() { RefreshToken = refreshToken, Audiences = audiences };

    /// <summary>Doesn't print the secret or the token.</summary>
    public override string ToString() => $"TokenRequest({(RefreshToken is null ? $"account {Id}" : "refresh token")} for {string.Join(',', Audiences)})";
}
