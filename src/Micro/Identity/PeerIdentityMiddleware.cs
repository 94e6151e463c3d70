using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Micro.Errors;
using Microsoft.AspNetCore.Http;

namespace Micro.Identity;

/// <summary>
/// First on every request: an mTLS caller's identity (checked at the handshake) is looked up once per connection and
/// made the call's <see cref="PeerIdentity"/>; a caller on the deny-list, or whose certificate has expired since the
/// handshake, is refused on every request, also on connections opened before. Plain h2c requests pass with no peer identity.
/// </summary>
internal sealed class PeerIdentityMiddleware(RequestDelegate next, TransportSecurity security, AnonymousTlsPaths? anonymous = null)
{
    // With TLS off nothing here is created (no store opened, no CA touched).
    private readonly IdentityDenyList? _denyList = security.Identity?.DenyList;

    // One entry per connection's client certificate object, collected with the connection.
    private static readonly ConditionalWeakTable<X509Certificate2, PeerIdentity> Peers = new();

    public Task InvokeAsync(HttpContext http)
    {
        // Not http.Connection.ClientCertificate: on a plain h2c connection that allocates an empty TLS feature per request.
        var certificate = http.Features.Get<Microsoft.AspNetCore.Http.Features.ITlsConnectionFeature>()?.ClientCertificate;
        if (certificate is not null) return ServeAsync(http, certificate);
        // Only a CA service lets certificate-less TLS callers in, and only to Ca.Sign.
        if (anonymous is not null && http.Request.IsHttps && !anonymous.Paths.Contains(http.Request.Path.Value ?? ""))
            return RefuseAsync(http, null);
        return next(http);
    }

    private async Task ServeAsync(HttpContext http, X509Certificate2 certificate)
    {
        if (!Peers.TryGetValue(certificate, out var peer))
        {
            var uris = CertificateValidator.UriSans(certificate, out _);
            // The handshake accepted it, so it has one valid SPIFFE URI; anything else is refused, not guessed at.
            if (uris.Count == 1 && SpiffeId.TryParse(uris[0], out var id)) peer = Peers.GetValue(certificate, c => new PeerIdentity(id.Value, c));
        }
        if (peer is null || DateTime.UtcNow > peer.ValidUntil || (_denyList is not null && _denyList.IsDenied(peer.Id)))
        {
            await RefuseAsync(http, peer).ConfigureAwait(false);
            return;
        }
        PeerIdentity.Current = peer; // flows into the handler; scoped to this request's async flow
        await next(http).ConfigureAwait(false);
    }

    private static async Task RefuseAsync(HttpContext http, PeerIdentity? peer)
    {
        var error = new MicroException(ErrorCodes.Forbidden, 403, peer is null ? "a client certificate naming a service is required" : $"identity {peer.Id} is denied or its certificate expired");
        if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Trailers-only gRPC response: PERMISSION_DENIED (7).
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/grpc";
            http.Response.Headers["grpc-status"] = "7";
            http.Response.Headers["grpc-message"] = Uri.EscapeDataString(error.Detail);
            http.Response.Headers[GrpcErrorMapping.TrailerKey] = GrpcErrorMapping.Encode(error);
            return;
        }
        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        http.Response.ContentType = "application/json";
        using (var writer = new System.Text.Json.Utf8JsonWriter((System.Buffers.IBufferWriter<byte>)http.Response.BodyWriter))
            GrpcErrorMapping.WriteJson(writer, error);
        await http.Response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }
}
