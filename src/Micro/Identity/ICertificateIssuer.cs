namespace Micro.Identity;

/// <summary>Signs a workload's CSR. The built-in one is <see cref="LocalCertificateIssuer"/>; register another to use a remote CA.</summary>
public interface ICertificateIssuer
{
    /// <summary>Signs <paramref name="csrPem"/> for the identity <paramref name="credential"/> proves.</summary>
    /// <exception cref="IdentityException">The credential does not authorize issuance, or the identity is denied.</exception>
    ValueTask<IssuedCertificate> IssueAsync(string csrPem, IssuanceCredential credential, CancellationToken cancellationToken = default);

    /// <summary>The credential a process named <paramref name="service"/> starts with (no certificate yet).</summary>
    ValueTask<IssuanceCredential> BootstrapCredentialAsync(string service, CancellationToken cancellationToken = default);
}
