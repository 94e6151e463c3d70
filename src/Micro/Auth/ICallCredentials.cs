namespace Micro.Auth;

/// <summary>
/// What the client attaches to a call or publish: the <c>authorization</c> header value for a call to
/// <paramref name="service"/>, or null to send none. The default (<see cref="ServiceCredentials"/>)
/// returns the service's own token for that audience.
/// </summary>
public interface ICallCredentials
{
    ValueTask<string?> GetAuthorizationAsync(string service, CancellationToken cancellationToken = default);
}
