using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Micro.Server;

namespace Micro.Identity;

/// <summary>
/// Gets certificates from a CA service (<see cref="CertificateAuthorityService"/>) over HTTP/2 + TLS: the first one with a
/// join token, renewals by presenting the current certificate. The CA's own certificate must chain to
/// <paramref name="roots"/> and name <paramref name="caService"/>, so a rogue CA cannot hand out identities.
/// </summary>
public sealed class RemoteCertificateIssuer(string address, string caService, string trustDomain, TrustBundle roots, string? joinToken, TimeProvider? time = null)
    : ICertificateIssuer
{
    private const int MaxResponseBytes = 64 * 1024;
    private readonly CertificateValidator _validator = new(() => roots, trustDomain, null, time ?? TimeProvider.System);

    /// <inheritdoc />
    public async ValueTask<IssuedCertificate> IssueAsync(string csrPem, IssuanceCredential credential, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                var leaf = certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                return _validator.Validate(leaf, chain?.ChainPolicy.ExtraStore, CertificateValidator.Purpose.Server, out _) is { } id
                    && string.Equals(id.Service, caService, StringComparison.Ordinal);
            },
            AllowTlsResume = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (credential is IssuanceCredential.Renewal renewal) ssl.ClientCertificates = [renewal.Certificate];
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), SslOptions = ssl };
        using var http = new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(30),
        };
        var request = new CertificateSigningRequest(csrPem, (credential as IssuanceCredential.Join)?.Token);
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, IdentityJsonContext.Default.CertificateSigningRequest));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(new Uri($"https://{address}{EndpointPath.For(caService, CertificateAuthorityService.SignEndpoint).Path}"), content, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new IdentityException($"the CA service at {address} could not be reached or is not {caService} of the trust bundle: {e.Message}");
        }
        using (response)
        {
            var body = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new IdentityException($"the CA service at {address} refused: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
            try
            {
                return JsonSerializer.Deserialize(body, IdentityJsonContext.Default.IssuedCertificate)
                    ?? throw new IdentityException($"the CA service at {address} sent no certificate");
            }
            catch (JsonException e)
            {
                throw new IdentityException($"the CA service at {address} sent a malformed answer: {e.Message}");
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<IssuanceCredential> BootstrapCredentialAsync(string service, CancellationToken cancellationToken = default) =>
        joinToken is { Length: > 0 } token
            ? ValueTask.FromResult<IssuanceCredential>(new IssuanceCredential.Join(token))
            : throw new IdentityException($"no certificate and no join token for {service}: set Micro:Identity:JoinToken (MICRO_IDENTITY_JOIN_TOKEN)");

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxResponseBytes) throw new IdentityException("the CA's answer is too large");
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes) throw new IdentityException("the CA's answer is too large");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
