using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Micro.Identity;

/// <summary>One certificate of this process: its leaf (with the key made here), the issuing chain, and the identity it names.</summary>
public sealed class WorkloadCertificate
{
    internal WorkloadCertificate(X509Certificate2 certificate, X509Certificate2Collection chain, SpiffeId id)
    {
        Certificate = certificate;
        Chain = chain;
        Id = id;
        // Servers send the leaf and the issuing chain; offline: nothing is fetched from the network.
        ServerContext = SslStreamCertificateContext.Create(certificate, chain, offline: true);
    }

    /// <summary>The leaf, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Issuing CA certificates between the leaf and a root.</summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>The identity in the certificate's URI SAN.</summary>
    public SpiffeId Id { get; }

    /// <summary>Start of validity (UTC).</summary>
    public DateTimeOffset NotBefore => Certificate.NotBefore.ToUniversalTime();

    /// <summary>End of validity (UTC).</summary>
    public DateTimeOffset NotAfter => Certificate.NotAfter.ToUniversalTime();

    internal SslStreamCertificateContext ServerContext { get; }
}
