using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Micro.Identity;
using Micro.Tests.Rpc;

namespace Micro.Tests.Identity;

/// <summary>The CA as a service on a real socket: join tokens for first certificates, mTLS for renewals, nothing else.</summary>
public sealed class CertificateAuthorityServiceTests
{
    private static RemoteCertificateIssuer Remote(IdentityCluster cluster, MicroApp ca, string? token) =>
        new(ca.Address, "ca", IdentityCluster.Domain, new TrustBundle(cluster.Authority.Bundle.Roots), token);

    private static Task<MicroApp> StartCaAsync(IdentityCluster cluster, CertificateAuthority? authority = null) =>
        cluster.StartNodeAsync("ca", b => b.ServeCertificateAuthority()
            .Handle<Echo, EchoReply>("Ca.Status", (req, ctx) => new EchoReply("ok", ctx.PeerIdentity?.Service ?? "<none>")), authority: authority);

    [Fact]
    public async Task A_workload_joins_with_a_token_renews_over_mtls_and_talks_to_services()
    {
        await using var cluster = new IdentityCluster();
        var ca = await StartCaAsync(cluster);
        await cluster.StartNodeAsync("greeter", b => b.Handle<Echo, EchoReply>("Greeter.Hello", (req, ctx) => new EchoReply("hi", ctx.PeerIdentity!.Service)));
        await using var orders = new WorkloadIdentity("orders", IdentityCluster.Domain, Remote(cluster, ca, cluster.Authority.CreateJoinToken("orders")));

        await orders.StartAsync();
        var first = orders.Current;
        var renewed = await orders.RenewAsync(); // over mTLS with the first certificate: no token needed

        Assert.Equal(new SpiffeId(IdentityCluster.Domain, "orders"), renewed.Id);
        Assert.NotEqual(first.Certificate.SerialNumber, renewed.Certificate.SerialNumber);
        Assert.NotEqual(first.Certificate.PublicKey.EncodedKeyValue.RawData, renewed.Certificate.PublicKey.EncodedKeyValue.RawData); // a new key each time
        var client = cluster.CreateClient(orders);
        Assert.Equal("orders", (await client.CallAsync<Echo, EchoReply>("greeter", "Greeter.Hello", new Echo("x"))).Node);
        Assert.Equal("orders", (await client.CallAsync<Echo, EchoReply>("ca", "Ca.Status", new Echo("x"))).Node);
    }

    [Fact]
    public async Task The_ca_service_refuses_unauthorized_requests_and_the_csr_never_chooses_the_identity()
    {
        await using var cluster = new IdentityCluster();
        var ca = await StartCaAsync(cluster);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var askForPayments = new CertificateRequest("CN=payments", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(IdentityCluster.Uri("payments")));
        askForPayments.CertificateExtensions.Add(san.Build());
        var csr = askForPayments.CreateSigningRequestPem();
        var ordersToken = cluster.Authority.CreateJoinToken("orders");

        // A CSR asking for payments, with the token of orders: a certificate for orders.
        var issued = await Remote(cluster, ca, ordersToken).IssueAsync(csr, new IssuanceCredential.Join(ordersToken));
        using (var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem))
            Assert.Equal([IdentityCluster.Uri("orders")], Micro.Identity.CertificateValidator.UriSans(leaf, out _));
        // A process calling itself payments with the token of orders gets nothing it can use.
        await using (var liar = new WorkloadIdentity("payments", IdentityCluster.Domain, Remote(cluster, ca, ordersToken)))
            Assert.Contains("names spiffe://test.micro/service/orders", (await Assert.ThrowsAsync<IdentityException>(() => liar.StartAsync())).Message, StringComparison.Ordinal);

        // No token, a forged token, another CA's token: 403.
        using var foreign = CertificateAuthority.Create(IdentityCluster.Domain);
        foreach (var token in new[] { "", "v1.orders.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", foreign.CreateJoinToken("orders") })
        {
            var refused = await Assert.ThrowsAsync<IdentityException>(() => Remote(cluster, ca, token).IssueAsync(csr, new IssuanceCredential.Join(token)).AsTask());
            Assert.Contains("403", refused.Message, StringComparison.Ordinal);
        }

        // Without a certificate, the CA service serves Ca.Sign and nothing else.
        Assert.Equal(HttpStatusCode.Forbidden, await PostWithoutCertificateAsync(ca.Address, "/ca.Ca/Status"));

        // A denied identity cannot renew.
        await using var orders = new WorkloadIdentity("orders", IdentityCluster.Domain, Remote(cluster, ca, ordersToken));
        await orders.StartAsync();
        await new IdentityDenyList(cluster.Store, TimeSpan.FromSeconds(1)).DenyAsync(orders.Id, "test");
        Assert.Contains("deny-list", (await Assert.ThrowsAsync<IdentityException>(() => orders.RenewAsync())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rogue_ca_service_is_not_trusted()
    {
        await using var cluster = new IdentityCluster();
        using var rogue = CertificateAuthority.Create(IdentityCluster.Domain);
        var rogueCa = await StartCaAsync(cluster, rogue);

        var refused = await Assert.ThrowsAsync<IdentityException>(() => Remote(cluster, rogueCa, rogue.CreateJoinToken("orders"))
            .IssueAsync(new CertificateRequest("CN=x", ECDsa.Create(ECCurve.NamedCurves.nistP256), HashAlgorithmName.SHA256).CreateSigningRequestPem(),
                new IssuanceCredential.Join(rogue.CreateJoinToken("orders"))).AsTask());
        Assert.Contains("could not be reached or is not ca", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> PostWithoutCertificateAsync(string address, string path)
    {
        using var handler = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var content = new StringContent("""{"text":"x"}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"https://{address}{path}", content);
        return response.StatusCode;
    }
}
