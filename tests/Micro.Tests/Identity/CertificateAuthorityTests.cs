using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Micro.Identity;
using Micro.Store;

namespace Micro.Tests.Identity;

/// <summary>What the CA signs, and for whom: the identity comes from the credential, never from the CSR.</summary>
public sealed class CertificateAuthorityTests
{
    private const string Domain = "test.micro";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private static string Csr(ECDsa key, string? askFor = null, bool ca = false)
    {
        var request = new CertificateRequest("CN=" + (askFor ?? "anything"), key, HashAlgorithmName.SHA256);
        if (askFor is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(new SpiffeId(Domain, askFor).ToString()));
            request.CertificateExtensions.Add(san.Build());
        }
        if (ca) request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSigningRequestPem();
    }

    private static X509Certificate2 Leaf(IssuedCertificate issued) => X509Certificate2.CreateFromPem(issued.CertificatePem);

    [Fact]
    public async Task A_csr_asking_for_another_identity_gets_the_authenticated_one_only()
    {
        using var ca = CertificateAuthority.Create(Domain);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var issued = await ca.IssueAsync(Csr(key, askFor: "payments", ca: true), new IssuanceCredential.Join(ca.CreateJoinToken("orders")), Lifetime);

        using var leaf = Leaf(issued);
        Assert.Equal([new SpiffeId(Domain, "orders").ToString()], Micro.Identity.CertificateValidator.UriSans(leaf, out _));
        Assert.Equal("CN=orders", leaf.Subject);
        Assert.False(((X509BasicConstraintsExtension)leaf.Extensions["2.5.29.19"]!).CertificateAuthority);
        Assert.InRange(leaf.NotAfter.ToUniversalTime() - DateTime.UtcNow, Lifetime - TimeSpan.FromMinutes(1), Lifetime);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo()); // the key stayed with the requester
    }

    [Fact]
    public async Task A_renewal_gets_the_identity_of_the_current_certificate()
    {
        using var ca = CertificateAuthority.Create(Domain);
        var identity = new WorkloadIdentity("orders", Domain, new LocalCertificateIssuer(ca, Lifetime));
        await identity.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var renewed = await ca.IssueAsync(Csr(key, askFor: "payments"), new IssuanceCredential.Renewal(identity.Current.Certificate), Lifetime);

        using var leaf = Leaf(renewed);
        Assert.Equal([new SpiffeId(Domain, "orders").ToString()], Micro.Identity.CertificateValidator.UriSans(leaf, out _));
        await identity.DisposeAsync();
    }

    [Fact]
    public async Task Unauthorized_issuance_is_refused()
    {
        using var ca = CertificateAuthority.Create(Domain);
        using var foreign = CertificateAuthority.Create(Domain);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = Csr(key);
        var forged = ca.CreateJoinToken("orders").Replace("v1.orders.", "v1.payments.", StringComparison.Ordinal);
        var foreignIdentity = new WorkloadIdentity("orders", Domain, new LocalCertificateIssuer(foreign, Lifetime));
        await foreignIdentity.StartAsync();
        var now = DateTimeOffset.UtcNow;
        using var expired = IdentityCluster.RawLeaf(ca, [IdentityCluster.Uri("orders")], now.AddHours(-2), now.AddMinutes(-1));

        foreach (var credential in (IssuanceCredential[])[
            new IssuanceCredential.Join(""), new IssuanceCredential.Join("v1.orders.AAAA"), new IssuanceCredential.Join(forged),
            new IssuanceCredential.Join(foreign.CreateJoinToken("orders")), new IssuanceCredential.Join(new string('x', 100_000)),
            new IssuanceCredential.Renewal(foreignIdentity.Current.Certificate), new IssuanceCredential.Renewal(expired),
            new IssuanceCredential.Renewal(ca.IssuerCertificate)])
            await Assert.ThrowsAsync<IdentityException>(() => ca.IssueAsync(csr, credential, Lifetime).AsTask());
        await foreignIdentity.DisposeAsync();
    }

    [Fact]
    public async Task Malformed_or_wrong_key_csrs_are_refused()
    {
        using var ca = CertificateAuthority.Create(Domain);
        var token = new IssuanceCredential.Join(ca.CreateJoinToken("orders"));
        using var rsa = RSA.Create(2048);
        var rsaCsr = new CertificateRequest("CN=x", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // The same CSR with one bit of its subject changed: the signature no longer matches.
        var der = new CertificateRequest("CN=anything", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        var at = der.AsSpan().IndexOf("anything"u8);
        der[at] ^= 0x01;
        var tampered = new string(PemEncoding.Write("CERTIFICATE REQUEST", der));

        foreach (var (name, csr) in (ValueTuple<string, string>[])[("empty", ""), ("text", "not a csr"), ("rsa", rsaCsr), ("p384", Csr(p384)), ("tampered", tampered), ("huge", new string('A', 20_000))])
        {
            var refused = await Record.ExceptionAsync(() => ca.IssueAsync(csr, token, Lifetime).AsTask());
            Assert.True(refused is IdentityException, $"{name}: {refused?.GetType().Name ?? "issued"}");
        }
    }

    [Fact]
    public async Task The_ca_refuses_a_denied_identity_at_once()
    {
        var store = new MemoryStore(new StoreOptions());
        var denyList = new IdentityDenyList(store, TimeSpan.FromHours(1));
        using var ca = CertificateAuthority.Create(Domain, denyList);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var token = new IssuanceCredential.Join(ca.CreateJoinToken("mallory"));
        await ca.IssueAsync(Csr(key), token, Lifetime);

        await denyList.DenyAsync(new SpiffeId(Domain, "mallory"), "stolen key");

        var refused = await Assert.ThrowsAsync<IdentityException>(() => ca.IssueAsync(Csr(key), token, Lifetime).AsTask());
        Assert.Contains("deny-list", refused.Message, StringComparison.Ordinal);
        await denyList.AllowAsync(new SpiffeId(Domain, "mallory"));
        await ca.IssueAsync(Csr(key), token, Lifetime);
        await denyList.DisposeAsync();
    }

    [Fact]
    public async Task A_ca_folder_is_created_once_and_shared_by_processes_starting_together()
    {
        var folder = Path.Combine(Path.GetTempPath(), "micro-ca-" + Guid.NewGuid().ToString("N"));
        try
        {
            var loads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => CertificateAuthority.LoadOrCreate(folder, Domain))));
            Assert.Single(loads.Select(ca => ca.IssuerCertificate.Thumbprint).Distinct());
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, "ca.key")));
            // A token from one load admits at another: they are one CA.
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            await loads[1].IssueAsync(Csr(key), new IssuanceCredential.Join(loads[0].CreateJoinToken("orders")), Lifetime);
            foreach (var ca in loads) ca.Dispose();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_brought_ca_issues_and_its_root_is_trusted_next_to_the_built_in_one()
    {
        var folder = Path.Combine(Path.GetTempPath(), "micro-byo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // "openssl req -x509 ..." done with .NET: a self-signed P-256 CA in two PEM files.
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=Corp CA", caKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            using var corp = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
            File.WriteAllText(Path.Combine(folder, "ca.pem"), corp.ExportCertificatePem());
            File.WriteAllText(Path.Combine(folder, "ca.key"), caKey.ExportPkcs8PrivateKeyPem());
            using var builtIn = CertificateAuthority.Create(Domain);
            File.WriteAllText(Path.Combine(folder, "old-root.pem"), builtIn.Bundle.RootsPem());

            using var byo = CertificateAuthority.FromPemFiles(Path.Combine(folder, "ca.pem"), Path.Combine(folder, "ca.key"), [], Domain);
            var identity = new WorkloadIdentity("orders", Domain, new LocalCertificateIssuer(byo, Lifetime), extraRootFiles: [Path.Combine(folder, "old-root.pem")]);
            await identity.StartAsync();

            Assert.Equal(corp.Subject, identity.Current.Certificate.Issuer);
            Assert.Equal(2, identity.Bundle.Roots.Count); // the new root and the old one, during a migration
            var oldPeer = new WorkloadIdentity("billing", Domain, new LocalCertificateIssuer(builtIn, Lifetime));
            await oldPeer.StartAsync();
            Assert.NotNull(identity.Validator.Validate(oldPeer.Current.Certificate, oldPeer.Current.Chain, Micro.Identity.CertificateValidator.Purpose.Client, out var reason));
            Assert.Equal("", reason);
            await identity.DisposeAsync();
            await oldPeer.DisposeAsync();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
