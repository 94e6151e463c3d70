namespace Micro.Identity;

/// <summary>The CA's answer to a CSR: the leaf and its issuing chain (PEM, no keys), and the roots to trust.</summary>
public sealed record IssuedCertificate(string CertificatePem, string ChainPem, string TrustBundlePem);
