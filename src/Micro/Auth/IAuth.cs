namespace Micro.Auth;

/// <summary>
/// Accounts, tokens and rules (Go Micro's <c>auth.Auth</c> and <c>auth.Rules</c>). The default is
/// <see cref="Jwt.JwtAuth"/>: ES256 JWTs, accounts, rules and keys in the Micro store.
/// </summary>
public interface IAuth : IAsyncDisposable
{
    /// <summary>"jwt".</summary>
    string Name { get; }

    /// <summary>
    /// Creates (or replaces) an account and returns it with a new secret, shown only this once.
    /// Scopes are plain names without spaces.
    /// </summary>
    ValueTask<Account> GenerateAsync(string id, string type, IReadOnlyList<string>? scopes = null,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Removes an account: its refresh tokens stop working at once, its access tokens when they expire.</summary>
    ValueTask DeleteAccountAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Exchanges credentials or a refresh token for tokens; 401 <c>micro.unauthorized</c> when they are not valid.</summary>
    ValueTask<AuthToken> TokenAsync(TokenRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// The account an access token was issued to, checked for <paramref name="audience"/> (the service
    /// receiving it); 401 <c>micro.unauthorized</c> when it is not valid for it.
    /// </summary>
    ValueTask<Account> InspectAsync(string accessToken, string audience, CancellationToken cancellationToken = default);

    /// <summary>Adds a rule, or replaces the rule with the same id. Takes effect here at once, on other nodes within <see cref="AuthOptions.RefreshInterval"/>.</summary>
    ValueTask GrantAsync(Rule rule, CancellationToken cancellationToken = default);

    /// <summary>Removes the rule with this id (a missing id is not an error).</summary>
    ValueTask RevokeAsync(string ruleId, CancellationToken cancellationToken = default);

    /// <summary>Every rule, in the order verification considers them.</summary>
    ValueTask<IReadOnlyList<Rule>> ListRulesAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether <paramref name="account"/> (null = anonymous) may use <paramref name="resource"/>, and which rule decided.</summary>
    AccessDecision Verify(Account? account, Resource resource);
}
