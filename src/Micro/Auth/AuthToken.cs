namespace Micro.Auth;

/// <summary>
/// Tokens from <see cref="IAuth.TokenAsync"/>: a short-lived access token for the named audience
/// (the service to be called) and a longer refresh token that only <see cref="IAuth.TokenAsync"/> accepts.
/// </summary>
public sealed record AuthToken
{
    /// <summary>Sent as <c>authorization: Bearer ...</c>.</summary>
    public required string AccessToken { get; init; }

    /// <summary>Exchanged for new tokens with <see cref="TokenRequest.FromRefreshToken"/>; never accepted as an access token.</summary>
    public required string RefreshToken { get; init; }

    /// <summary>When the access token expires.</summary>
    public required DateTimeOffset Expiry { get; init; }

    /// <summary>When the refresh token expires.</summary>
    public required DateTimeOffset RefreshExpiry { get; init; }

    /// <summary>Doesn't print the tokens: they are credentials.</summary>
    public override string ToString() => $"AuthToken(expires {Expiry:O})";
}
