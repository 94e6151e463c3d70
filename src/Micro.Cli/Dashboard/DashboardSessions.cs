using System.Collections.Concurrent;
using System.Security.Cryptography;
using Micro.Auth;
using Microsoft.AspNetCore.Http;

namespace Micro.Cli.Dashboard;

/// <summary>
/// Who is signed in to the dashboard when auth is on (MICRO_AUTH=jwt). Signing in exchanges an account's id and secret
/// for tokens; the session keeps only the refresh token (in memory, behind a random HttpOnly SameSite=Strict cookie)
/// and gets an access token per called service from it, so every call the page makes carries the user's identity and
/// obeys the rules for that user.
/// </summary>
public sealed class DashboardSessions(IAuth auth, TimeProvider? time = null)
{
    /// <summary>The session cookie.</summary>
    public const string CookieName = "micro_dashboard";

    /// <summary>The audience of the sign-in token (the dashboard itself).</summary>
    public const string Audience = "micro.dashboard";

    /// <summary>Sessions kept at most; the oldest go first.</summary>
    public const int MaxSessions = 1000;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>A signed-in account.</summary>
    public sealed class Session(string account, string refreshToken, DateTimeOffset expiry)
    {
        /// <summary>The account id.</summary>
        public string Account { get; } = account;

        internal string RefreshToken { get; } = refreshToken;

        internal DateTimeOffset Expiry { get; } = expiry;

        internal ConcurrentDictionary<string, AuthToken> Tokens { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Signs in; returns the cookie value. Throws 401 <c>micro.unauthorized</c> for bad credentials.</summary>
    public async Task<(string Cookie, Session Session)> SignInAsync(string id, string secret, CancellationToken cancellationToken)
    {
        var token = await auth.TokenAsync(TokenRequest.FromCredentials(id, secret, Audience), cancellationToken).ConfigureAwait(false);
        var session = new Session(id, token.RefreshToken, token.RefreshExpiry);
        var cookie = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        if (_sessions.Count >= MaxSessions)
            foreach (var old in _sessions.OrderBy(s => s.Value.Expiry).Take(_sessions.Count - MaxSessions + 1)) _sessions.TryRemove(old.Key, out _);
        _sessions[cookie] = session;
        return (cookie, session);
    }

    /// <summary>The session of this request's cookie, or null.</summary>
    public Session? Find(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Cookies.TryGetValue(CookieName, out var cookie) || cookie is null || !_sessions.TryGetValue(cookie, out var session)) return null;
        if (session.Expiry > _time.GetUtcNow()) return session;
        _sessions.TryRemove(cookie, out _);
        return null;
    }

    /// <summary>Ends the session of this request.</summary>
    public void SignOut(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Cookies.TryGetValue(CookieName, out var cookie) && cookie is not null) _sessions.TryRemove(cookie, out _);
    }

    /// <summary>The <c>authorization</c> header value for a call by <paramref name="session"/> to <paramref name="service"/>.</summary>
    public async ValueTask<string> AuthorizationAsync(Session session, string service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!session.Tokens.TryGetValue(service, out var token) || token.Expiry - TimeSpan.FromSeconds(30) <= _time.GetUtcNow())
        {
            token = await auth.TokenAsync(TokenRequest.FromRefreshToken(session.RefreshToken, service), cancellationToken).ConfigureAwait(false);
            session.Tokens[service] = token;
        }
        return "Bearer " + token.AccessToken;
    }
}
