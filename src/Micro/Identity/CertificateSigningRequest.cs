namespace Micro.Identity;

/// <summary>What a workload sends the CA service (<c>Ca.Sign</c>): its CSR (PEM) and, for a first certificate, its join token.</summary>
internal sealed record CertificateSigningRequest(string Csr, string? JoinToken = null);
