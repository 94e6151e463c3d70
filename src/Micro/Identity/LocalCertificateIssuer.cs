namespace Micro.Identity;

/// <summary>
/// Issues from a CA held in this process (loaded from <c>Micro:Identity:CaPath</c> or brought as PEM files). Holding the
/// CA's key is what authorizes the first certificate here: the process mints its own join token for its own name.
/// </summary>
public sealed class LocalCertificateIssuer(CertificateAuthority authority, TimeSpan lifetime) : ICertificateIssuer
{
    /// <summary>The CA this issuer signs with.</summary>
    public CertificateAuthority Authority { get; } = authority ?? throw new ArgumentNullException(nameof(authority));

    /// <inheritdoc />
    public ValueTask<IssuedCertificate> IssueAsync(string csrPem, IssuanceCredential credential, CancellationToken cancellationToken = default) =>
        Authority.IssueAsync(csrPem, credential, lifetime, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IssuanceCredential> BootstrapCredentialAsync(string service, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IssuanceCredential>(new IssuanceCredential.Join(Authority.CreateJoinToken(service)));
}
