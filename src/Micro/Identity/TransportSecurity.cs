using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Micro.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Identity;

/// <summary>
/// How the client reaches a node: h2c, or mTLS presenting this process's newest certificate and accepting the node only
/// if its certificate chains to the trust bundle and its URI SAN names the service being called — a node registered as
/// <c>greeter</c> that presents <c>billing</c> fails the handshake, and the client quarantines it like a dead node.
/// </summary>
public sealed partial class TransportSecurity
{
    private readonly TimeSpan _connectionLifetime;
    private readonly ILogger _logger;

    /// <summary>Calls in <paramref name="mode"/>; <paramref name="identity"/> is required unless the mode is off.</summary>
    public TransportSecurity(TlsMode mode, WorkloadIdentity? identity, TimeSpan connectionLifetime, ILogger? logger = null)
    {
        if (mode != TlsMode.Off && identity is null) throw new ArgumentNullException(nameof(identity), $"TLS mode {mode} needs a workload identity");
        Mode = mode;
        Identity = mode == TlsMode.Off ? null : identity;
        _connectionLifetime = connectionLifetime;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Cleartext everywhere.</summary>
    public static TransportSecurity Off { get; } = new(TlsMode.Off, null, TimeSpan.FromMinutes(10));

    /// <summary>The mode.</summary>
    public TlsMode Mode { get; }

    /// <summary>This process's identity (null when off).</summary>
    public WorkloadIdentity? Identity { get; }

    /// <summary>The https URL for <paramref name="node"/>, or null to use h2c with its address.</summary>
    internal string? TlsUrl(NodeInfo node) => Mode switch
    {
        TlsMode.Strict => "https://" + (node.Metadata.TryGetValue(MtlsListener.MetadataKey, out var tls) ? tls : node.Address),
        TlsMode.Permissive when node.Metadata.TryGetValue(MtlsListener.MetadataKey, out var tls) => "https://" + tls,
        _ => null,
    };

    /// <summary>Makes <paramref name="handler"/> speak mTLS to nodes of <paramref name="service"/>.</summary>
    internal void Apply(SocketsHttpHandler handler, string service)
    {
        var identity = Identity ?? throw new InvalidOperationException("TLS is off");
        // Connections are re-made (a new handshake, both certificates re-checked) after this; streams on them finish first.
        handler.PooledConnectionLifetime = _connectionLifetime;
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = (_, _, _, _, _) => identity.Current.Certificate, // the newest, per connection
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => AcceptServer(identity, certificate, chain, service),
            AllowTlsResume = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
    }

    private bool AcceptServer(WorkloadIdentity identity, X509Certificate? certificate, X509Chain? chain, string service)
    {
        var leaf = certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        var id = identity.Validator.Validate(leaf, chain?.ChainPolicy.ExtraStore, CertificateValidator.Purpose.Server, out var reason);
        if (id is null)
        {
            ServerRefused(_logger, service, reason);
            return false;
        }
        if (!string.Equals(id.Value.Service, service, StringComparison.Ordinal))
        {
            ServerRefused(_logger, service, $"the node presents identity {id}, not service {service}");
            return false;
        }
        return true;
    }

    [LoggerMessage(1, LogLevel.Warning, "mTLS: a node of {Service} was refused: {Reason}")]
    private static partial void ServerRefused(ILogger logger, string service, string reason);
}
