using Micro.Auth.Jwt;

namespace Micro.Auth;

/// <summary>
/// How a broker delivery is checked, for the broker to call before it runs a subscriber: the
/// publisher's <c>authorization</c> header (sent with the delivery request) is validated for the subscribing
/// service as audience, then the rules decide on resource <c>subscriber:TOPIC:SERVICE</c>
/// (<see cref="Resource.Subscriber"/>). Without a token, a publisher that proved itself with an mTLS
/// certificate is that service's account, as on calls. Throws 401 <c>micro.unauthorized</c> / 403
/// <c>micro.forbidden</c> like a call.
/// </summary>
public sealed class AuthSubscriberCheck
{
    private readonly AuthServerMiddleware _middleware;

    // Made by AddMicroAuth: it shares the server middleware's token validation and rules.
    internal AuthSubscriberCheck(AuthServerMiddleware middleware) => _middleware = middleware;

    /// <summary>The publisher's account (null when it sent no token and the rules let anonymous publishers in).</summary>
    public async ValueTask<Account?> CheckAsync(string topic, string service, string? authorization, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var account = await AuthenticateAsync(service, authorization, cancellationToken).ConfigureAwait(false);
        Authorize(account, topic, service);
        return account;
    }

    /// <summary>
    /// The publisher of a delivery request to <paramref name="service"/>: its token's account, else the service its mTLS
    /// certificate proves, else null. Throws 401 for a malformed or invalid token. Needs only the header, so a broker calls it
    /// before reading the request body.
    /// </summary>
    internal async ValueTask<Account?> AuthenticateAsync(string service, string? authorization, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        if (_middleware.Auth is JwtAuth { IsReady: false } jwt) await jwt.ReadyAsync(cancellationToken).ConfigureAwait(false);
        var account = await _middleware.Authenticate(authorization, service, cancellationToken).ConfigureAwait(false);
        return account ?? Identity.PeerIdentity.Current?.Account;
    }

    /// <summary>Throws 401 (anonymous) or 403 unless the rules let <paramref name="account"/> deliver <paramref name="topic"/> to <paramref name="service"/>.</summary>
    internal void Authorize(Account? account, string topic, string service) => _middleware.Check(account, Resource.Subscriber(topic, service));
}
