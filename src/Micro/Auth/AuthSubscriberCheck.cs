namespace Micro.Auth;

/// <summary>
/// How a broker delivery is checked, for the broker to call before it runs a subscriber: the
/// publisher's <c>authorization</c> header (carried with the message) is validated for the subscribing
/// service as audience, then the rules decide on resource <c>subscriber:TOPIC:SERVICE</c>
/// (<see cref="Resource.Subscriber"/>). Throws 401 <c>micro.unauthorized</c> / 403 <c>micro.forbidden</c>
/// like a call; a refused delivery is not retried (the publisher's token will not improve).
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
        ArgumentException.ThrowIfNullOrEmpty(service);
        var account = await _middleware.Authenticate(authorization, service, cancellationToken).ConfigureAwait(false);
        _middleware.Check(account, Resource.Subscriber(topic, service));
        return account;
    }
}
