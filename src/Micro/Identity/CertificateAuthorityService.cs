using Micro.Errors;
using Micro.Server;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Identity;

/// <summary>Serves the built-in CA over the network, so that workloads need a join token and the roots, not the CA's key.</summary>
public static class CertificateAuthorityService
{
    /// <summary>The endpoint name: <c>Ca.Sign</c>.</summary>
    public const string SignEndpoint = "Ca.Sign";

    /// <summary>
    /// Adds <c>Ca.Sign</c> to this service (conventionally named <c>ca</c>, with <c>MICRO_TLS=strict</c> and the CA in
    /// <c>MICRO_IDENTITY_CA_PATH</c> or brought as PEM files). A caller with a valid client certificate renews it (the
    /// identity is the certificate's); a caller without one must send a join token (the identity is the token's). The
    /// CSR never chooses the identity. Refusals are 403 <c>micro.forbidden</c>.
    /// </summary>
    public static MicroServiceBuilder ServeCertificateAuthority(this MicroServiceBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMicroJson(IdentityJsonContext.Default);
        builder.Services.AddSingleton(new AnonymousTlsPaths([EndpointPath.For(builder.Name, SignEndpoint).Path]));
        return builder.Handle<CertificateSigningRequest, IssuedCertificate>(SignEndpoint, async (request, context) =>
        {
            var issuer = context.Services.GetRequiredService<ICertificateIssuer>() as LocalCertificateIssuer
                ?? throw new InvalidOperationException("a CA service holds the CA: set Micro:Identity:CaPath or bring a CA, not Micro:Identity:CaAddress");
            IssuanceCredential credential = context.PeerIdentity is { } peer
                ? new IssuanceCredential.Renewal(peer.Certificate)
                : new IssuanceCredential.Join(request.JoinToken ?? "");
            try
            {
                return await issuer.IssueAsync(request.Csr ?? "", credential, context.CancellationToken).ConfigureAwait(false);
            }
            catch (IdentityException e)
            {
                throw new MicroException(ErrorCodes.Forbidden, 403, e.Message);
            }
        });
    }
}
