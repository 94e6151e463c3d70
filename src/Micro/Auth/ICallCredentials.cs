namespace Micro.Auth;

/// <summary>
/// What the client attaches to a call or publish: the <c>authorization</c> header value for a call to
/// <paramref name="service"/>, or null to send none. The default (<see cref="ServiceCredentials"/>)
/// returns the service's own token for that audience. A broker delivering a publish asks with the
/// subscribing service as <paramref name="service"/>, so the token is checked there like a call's.
/// </summary>
public interface ICallCredentials
{
    ValueTask<string?> GetAuthorizationAsync(string service, CancellationToken cancellationToken = default);
}
