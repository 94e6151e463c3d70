namespace Micro.Auth;

/// <summary>
/// What the client attaches to a call or publish: the <c>authorization</c> header value for a call to
/// a service, or null to send none. The default (<see cref="ServiceCredentials"/>) returns the
/// service's own token for that audience. A broker delivering a publish asks with the subscribing
/// service, so the token is checked there like a call's.
/// </summary>
public interface ICallCredentials
{
    /// <summary>The <c>authorization</c> header value for a call to <paramref name="service"/> (the token's audience), or null to send none.</summary>
    /// <param name="service">The callee (or, for a publish, the subscribing service).</param>
    /// <param name="cancellationToken">Cancels fetching or refreshing the token.</param>
    ValueTask<string?> GetAuthorizationAsync(string service, CancellationToken cancellationToken = default);
}
