using System.Security.Cryptography.X509Certificates;

namespace Micro.Identity;

/// <summary>What a certificate request proves about its sender. The CA takes the identity from here, never from the CSR.</summary>
public abstract record IssuanceCredential
{
    private IssuanceCredential() { }

    /// <summary>A join token made by <see cref="CertificateAuthority.CreateJoinToken"/> for one service: first certificate.</summary>
    public sealed record Join(string Token) : IssuanceCredential;

    /// <summary>The sender's current, valid certificate (proven by holding its key, e.g. over mTLS): renewal.</summary>
    public sealed record Renewal(X509Certificate2 Certificate) : IssuanceCredential;
}
