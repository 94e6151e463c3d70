using System.Collections.Concurrent;
using Micro.Auth.Jwt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Auth;

/// <summary>
/// A service's own identity: its account's refresh token (from MICRO_AUTH_ID/MICRO_AUTH_SECRET, or a
/// service account created in the shared store), and an access token per called service (the token's
/// audience), renewed when a third of its life is left. <see cref="RenewDueAsync"/> is driven in the
/// background by the host; a call only waits for a token the first time it calls a service.
/// </summary>
public sealed partial class ServiceCredentials(IAuth auth, AuthOptions options, string name, TimeProvider? time = null, ILogger<ServiceCredentials>? logger = null)
    : ICallCredentials
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger<ServiceCredentials>.Instance;
    private readonly ConcurrentDictionary<string, Entry> _tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _identityGate = new(1, 1);
    private volatile AuthToken? _identity;

    private sealed record Entry(string Header, DateTimeOffset RenewAt);

    /// <summary>The account this process acts as: MICRO_AUTH_ID when set, otherwise the service name.</summary>
    public string AccountId => options.Id ?? name;

    /// <summary>When the identity's refresh token expires (null before the first sign-in).</summary>
    public DateTimeOffset? IdentityExpiry => _identity?.RefreshExpiry;

    /// <summary><c>Bearer</c> plus this service's access token for <paramref name="service"/>; waits only for the first token per callee.</summary>
    public ValueTask<string?> GetAuthorizationAsync(string service, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        // Past two-thirds of its life a token is renewed before use (the background renewal normally got
        // there first): one that expires on the wire would be refused.
        if (_tokens.TryGetValue(service, out var entry) && entry.RenewAt > _time.GetUtcNow()) return ValueTask.FromResult<string?>(entry.Header);
        return MintAsync(service, cancellationToken);
    }

    private async ValueTask<string?> MintAsync(string service, CancellationToken cancellationToken)
    {
        var identity = await SignInAsync(cancellationToken).ConfigureAwait(false);
        var token = await auth.TokenAsync(TokenRequest.FromRefreshToken(identity.RefreshToken, service), cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var entry = new Entry(BearerToken.Format(token.AccessToken), now + (token.Expiry - now) * 2 / 3);
        // Callers are the services this one talks to (few); the cap only bounds a process calling
        // arbitrary names.
        if (_tokens.Count > 4096) _tokens.Clear();
        _tokens[service] = entry;
        return entry.Header;
    }

    /// <summary>The identity, signing in when there is none or its refresh token is two-thirds through its life.</summary>
    public async ValueTask<AuthToken> SignInAsync(CancellationToken cancellationToken = default)
    {
        var current = _identity;
        if (current is not null && !Due(current.RefreshExpiry, options.RefreshTokenLifetime)) return current;
        await _identityGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            current = _identity;
            if (current is not null && !Due(current.RefreshExpiry, options.RefreshTokenLifetime)) return current;
            AuthToken? fresh = null;
            if (current is not null && current.RefreshExpiry > _time.GetUtcNow())
            {
                try { fresh = await auth.TokenAsync(TokenRequest.FromRefreshToken(current.RefreshToken, name), cancellationToken).ConfigureAwait(false); }
                catch (MicroException e) when (e.Code == 401)
                {
                    // The account or the key behind the refresh token is gone: sign in from the start.
                    Log.RefreshRefused(_logger, name);
                }
            }
            if (fresh is not null) { }
            else if (options.Id is not null && options.Secret is not null)
                fresh = await auth.TokenAsync(TokenRequest.FromCredentials(options.Id, options.Secret, name), cancellationToken).ConfigureAwait(false);
            else if (auth is JwtAuth jwt)
                fresh = await jwt.IssueServiceTokenAsync(name, cancellationToken).ConfigureAwait(false);
            else
                throw new InvalidOperationException($"auth '{auth.Name}' cannot create service accounts: set MICRO_AUTH_ID and MICRO_AUTH_SECRET");
            if (current is null) Log.SignedIn(_logger, name, AccountId);
            _identity = fresh;
            return fresh;
        }
        finally
        {
            _identityGate.Release();
        }
    }

    /// <summary>Renews the identity and every access token that is two-thirds through its life; tokens stay usable while this runs.</summary>
    public async Task RenewDueAsync(CancellationToken cancellationToken = default)
    {
        await SignInAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        foreach (var (service, entry) in _tokens)
            if (entry.RenewAt <= now) await MintAsync(service, cancellationToken).ConfigureAwait(false);
    }

    private bool Due(DateTimeOffset expiry, TimeSpan lifetime) => expiry - _time.GetUtcNow() < lifetime / 3;

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "Service {Service} signed in to auth as account {Account}")]
        public static partial void SignedIn(ILogger logger, string service, string account);

        [LoggerMessage(21, LogLevel.Warning, "Service {Service}: auth refused its refresh token; signing in again")]
        public static partial void RefreshRefused(ILogger logger, string service);
    }
}
