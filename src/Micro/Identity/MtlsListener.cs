using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Identity;

/// <summary>
/// The service's Kestrel listeners by <see cref="TlsMode"/>: h2c (off); h2c plus an mTLS port (permissive); mTLS only (strict).
/// The mTLS listener speaks HTTP/2 over TLS 1.2+ with ALPN, picks the newest certificate for each new connection (rotation
/// without restart), requires a client certificate and checks it against the Micro trust bundle, not the system store.
/// </summary>
internal static partial class MtlsListener
{
    /// <summary>Node metadata key: host:port of the node's mTLS listener.</summary>
    public const string MetadataKey = "tls";

    public static void Listen(KestrelServerOptions kestrel, IPAddress ip, int port)
    {
        var services = kestrel.ApplicationServices;
        var tls = services.GetRequiredService<IOptions<TlsOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Micro.Identity");
        switch (tls.Mode)
        {
            case TlsMode.Off:
                if (!IPAddress.IsLoopback(ip)) Cleartext(logger, ip.ToString());
                kestrel.Listen(ip, port, listen => listen.Protocols = HttpProtocols.Http2);
                break;
            case TlsMode.Permissive:
                kestrel.Listen(ip, port, listen => listen.Protocols = HttpProtocols.Http2);
                var (tlsIp, tlsPort) = tls.Address is null ? (ip, 0) : MicroServiceBuilder.ParseAddress(tls.Address);
                kestrel.Listen(tlsIp, tlsPort, listen => UseMtls(listen, services, tls, logger));
                break;
            default:
                kestrel.Listen(ip, port, listen => UseMtls(listen, services, tls, logger));
                break;
        }
    }

    /// <summary><paramref name="metadata"/> plus <see cref="MetadataKey"/> when the server has an mTLS listener.</summary>
    public static Dictionary<string, string> WithNodeMetadata(IServer server, string advertisedAddress, Dictionary<string, string> metadata)
    {
        var https = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (https is null) return metadata;
        var port = new Uri(https.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal)).Port;
        metadata[MetadataKey] = advertisedAddress[..advertisedAddress.LastIndexOf(':')] + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        metadata["protocol"] = advertisedAddress.EndsWith(":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) ? "h2+mtls" : "h2c";
        return metadata;
    }

    private static void UseMtls(ListenOptions listen, IServiceProvider services, TlsOptions tls, ILogger logger)
    {
        listen.Protocols = HttpProtocols.Http2;
        var identity = services.GetRequiredService<WorkloadIdentity>();
        var anonymousAllowed = services.GetService<AnonymousTlsPaths>() is not null; // a CA service: see AnonymousTlsPaths
        RemoteCertificateValidationCallback validate = (_, certificate, chain, _) =>
        {
            if (certificate is null && anonymousAllowed) return true;
            var leaf = certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            if (identity.Validator.Validate(leaf, chain?.ChainPolicy.ExtraStore, CertificateValidator.Purpose.Client, out var reason) is not null) return true;
            ClientRefused(logger, reason);
            return false;
        };
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            HandshakeTimeout = tls.HandshakeTimeout,
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = identity.Current.ServerContext, // the newest, per connection
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = validate,
                // A resumed session skips the client certificate check: every connection does a full handshake.
                AllowTlsResume = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
            }),
        });
    }

    [LoggerMessage(1, LogLevel.Warning, "Listening on {Address} without TLS: anyone on the network can read calls and impersonate services (set MICRO_TLS=strict)")]
    private static partial void Cleartext(ILogger logger, string address);

    [LoggerMessage(2, LogLevel.Warning, "mTLS client refused: {Reason}")]
    private static partial void ClientRefused(ILogger logger, string reason);
}
