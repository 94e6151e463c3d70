using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Micro.Identity;

/// <summary>
/// The built-in certificate authority: a root and an issuing intermediate (ECDSA P-256), or a CA brought as PEM files.
/// It signs workload CSRs for the identity the credential proves — a join token or a current certificate — and never
/// for what the CSR asks: the CSR contributes only its public key. Denied identities get nothing.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private const int MaxCsrLength = 16 * 1024;
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);
    private readonly X509Certificate2 _issuer;
    private readonly X509Certificate2Collection _chain;
    private readonly byte[] _joinSecret;
    private readonly CertificateValidator _validator;
    private readonly TimeProvider _time;

    private CertificateAuthority(X509Certificate2 issuer, X509Certificate2Collection chain, TrustBundle bundle, string trustDomain,
        IdentityDenyList? denyList, TimeProvider? time)
    {
        if (!SpiffeId.IsValidTrustDomain(trustDomain)) throw new ArgumentException($"'{trustDomain}' is not a valid trust domain", nameof(trustDomain));
        if (issuer.GetECDsaPrivateKey() is not { } key) throw new ArgumentException("the issuing CA needs its ECDSA private key", nameof(issuer));
        using (key) _joinSecret = HKDF.DeriveKey(HashAlgorithmName.SHA256, key.ExportPkcs8PrivateKey(), 32, info: "micro join tokens"u8.ToArray());
        _issuer = issuer;
        _chain = chain;
        Bundle = bundle;
        TrustDomain = trustDomain;
        DenyList = denyList;
        _time = time ?? TimeProvider.System;
        _validator = new CertificateValidator(() => Bundle, trustDomain, null, _time);
    }

    /// <summary>The identities' trust domain.</summary>
    public string TrustDomain { get; }

    /// <summary>The roots workloads trust, and the issuing chain.</summary>
    public TrustBundle Bundle { get; }

    /// <summary>Identities refused issuance and renewal (checked against the store on every request); null = none.</summary>
    public IdentityDenyList? DenyList { get; }

    /// <summary>The issuing CA certificate (public part).</summary>
    public X509Certificate2 IssuerCertificate => _issuer;

    /// <summary>A new root and intermediate, in memory.</summary>
    public static CertificateAuthority Create(string trustDomain, IdentityDenyList? denyList = null, TimeProvider? time = null)
    {
        var (root, issuer) = NewHierarchy(trustDomain, (time ?? TimeProvider.System).GetUtcNow());
        return new CertificateAuthority(issuer, [issuer], new TrustBundle([root], [issuer]), trustDomain, denyList, time);
    }

    /// <summary>
    /// The CA in <paramref name="folder"/>, created there on first use (root.pem, root.key, ca.pem, ca.key; keys mode 0600).
    /// Processes starting at once agree on one CA: creation happens under an exclusive lock on <c>.lock</c>.
    /// </summary>
    public static CertificateAuthority LoadOrCreate(string folder, string trustDomain, IdentityDenyList? denyList = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        using (LockFolder(folder))
        {
            string P(string name) => Path.Combine(folder, name);
            if (!File.Exists(P("ca.pem")))
            {
                var (root, issuer) = NewHierarchy(trustDomain, (time ?? TimeProvider.System).GetUtcNow());
                using (root) using (issuer)
                {
                    WriteSecret(P("root.key"), root.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
                    File.WriteAllText(P("root.pem"), root.ExportCertificatePem() + "\n");
                    WriteSecret(P("ca.key"), issuer.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
                    File.WriteAllText(P("ca.pem.tmp"), issuer.ExportCertificatePem() + "\n");
                    File.Move(P("ca.pem.tmp"), P("ca.pem")); // last: its presence means the CA is complete
                }
            }
            return FromPemFiles(P("ca.pem"), P("ca.key"), [P("root.pem")], trustDomain, denyList, time);
        }
    }

    /// <summary>
    /// Bring your own CA: the issuing certificate (and any intermediates above it) in <paramref name="certificateFile"/>,
    /// its key in <paramref name="keyFile"/>, trusted roots in <paramref name="rootFiles"/> (a self-signed issuer is its own root).
    /// </summary>
    public static CertificateAuthority FromPemFiles(string certificateFile, string keyFile, IEnumerable<string> rootFiles, string trustDomain,
        IdentityDenyList? denyList = null, TimeProvider? time = null)
    {
        var issuer = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        if (issuer.Extensions["2.5.29.19"] is not X509BasicConstraintsExtension { CertificateAuthority: true })
            throw new IdentityException($"{certificateFile} is not a CA certificate");
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificateFile);
        var roots = new List<X509Certificate2>();
        foreach (var file in rootFiles)
        {
            var more = new X509Certificate2Collection();
            more.ImportFromPemFile(file);
            roots.AddRange(more);
        }
        var intermediates = all.Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData) is false).ToList();
        roots.AddRange(all.Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData)));
        if (roots.Count == 0) throw new IdentityException($"no trusted root for {certificateFile}: list its root in Micro:Identity:TrustBundle");
        var chain = new X509Certificate2Collection(intermediates.ToArray());
        return new CertificateAuthority(issuer, chain, new TrustBundle(roots, intermediates), trustDomain, denyList, time);
    }

    /// <summary>A join token that admits exactly <paramref name="service"/>: hand it to that service's first start.</summary>
    public string CreateJoinToken(string service) => JoinToken.Create(_joinSecret, TrustDomain, service);

    /// <summary>
    /// Signs <paramref name="csrPem"/> (its signature checked, its requested names and extensions ignored) for the identity
    /// <paramref name="credential"/> proves, valid for <paramref name="lifetime"/> (never past the issuer's own expiry).
    /// </summary>
    public async ValueTask<IssuedCertificate> IssueAsync(string csrPem, IssuanceCredential credential, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csrPem);
        ArgumentNullException.ThrowIfNull(credential);
        if (lifetime < TimeSpan.FromMinutes(1)) throw new ArgumentOutOfRangeException(nameof(lifetime), "a workload certificate lives at least 1 minute");
        var id = new SpiffeId(TrustDomain, Authenticate(credential));
        if (DenyList is not null && await DenyList.IsDeniedInStoreAsync(id, cancellationToken).ConfigureAwait(false))
            throw new IdentityException($"identity {id} is on the deny-list");
        var publicKey = PublicKeyOf(csrPem);
        var now = _time.GetUtcNow();
        var notAfter = now + lifetime;
        if (notAfter > _issuer.NotAfter) notAfter = _issuer.NotAfter.ToUniversalTime();
        using var leaf = Sign(publicKey, id, now - ClockSkew, notAfter);
        return new IssuedCertificate(leaf.ExportCertificatePem() + "\n", string.Concat(_chain.Select(c => c.ExportCertificatePem() + "\n")), Bundle.RootsPem());
    }

    private string Authenticate(IssuanceCredential credential)
    {
        switch (credential)
        {
            case IssuanceCredential.Join join:
                return JoinToken.Verify(_joinSecret, TrustDomain, join.Token)
                    ?? throw new IdentityException("the join token is not valid for this CA");
            case IssuanceCredential.Renewal renewal:
                var id = _validator.Validate(renewal.Certificate, null, CertificateValidator.Purpose.Any, out var reason)
                    ?? throw new IdentityException($"renewal refused: {reason}");
                return id.Service;
            default:
                throw new IdentityException("unknown credential");
        }
    }

    private static PublicKey PublicKeyOf(string csrPem)
    {
        if (csrPem.Length > MaxCsrLength) throw new IdentityException($"a CSR is at most {MaxCsrLength} characters");
        CertificateRequest csr;
        try
        {
            // Default load options drop every requested extension (SANs included) and check the CSR's signature.
            csr = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new IdentityException($"malformed CSR: {e.Message}");
        }
        using var ec = csr.PublicKey.GetECDsaPublicKey() ?? throw new IdentityException("a workload key is ECDSA P-256");
        if (ec.KeySize != 256) throw new IdentityException("a workload key is ECDSA P-256");
        return csr.PublicKey;
    }

    /// <summary>A workload certificate for <paramref name="id"/> over <paramref name="publicKey"/> (tests make odd ones with <see cref="SignRaw"/>).</summary>
    private X509Certificate2 Sign(PublicKey publicKey, SpiffeId id, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + id.Service), publicKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(id.ToString()));
        request.CertificateExtensions.Add(san.Build(critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        return SignRaw(request, notBefore, notAfter);
    }

    /// <summary>Signs any request with the issuing key: for tests that need certificates the CA itself would never issue.</summary>
    internal X509Certificate2 SignRaw(CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (_issuer.Extensions["2.5.29.14"] is not null) // a brought CA may lack a subject key identifier
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_issuer, true, false));
        return request.Create(_issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(_issuer.GetECDsaPrivateKey()!), notBefore, notAfter, Serial());
    }

    private static (X509Certificate2 Root, X509Certificate2 Issuer) NewHierarchy(string trustDomain, DateTimeOffset now)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest($"CN=Micro root CA, O={trustDomain}", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        var root = rootRequest.CreateSelfSigned(now - ClockSkew, now.AddYears(10));

        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuerRequest = new CertificateRequest($"CN=Micro issuing CA, O={trustDomain}", issuerKey, HashAlgorithmName.SHA256);
        issuerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        issuerRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        issuerRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(issuerRequest.PublicKey, false));
        issuerRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var issuerPublic = issuerRequest.Create(root, now - ClockSkew, now.AddYears(2), Serial());
        return (root, issuerPublic.CopyWithPrivateKey(issuerKey));
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        serial[0] |= 0x01; // and 16 bytes long
        return serial;
    }

    private static FileStream LockFolder(string folder)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50); // another process is creating the CA; it takes milliseconds
            }
        }
    }

    private static void WriteSecret(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new FileStream(path, options);
        using var writer = new StreamWriter(file);
        writer.Write(text);
        writer.Write('\n');
    }

    /// <summary>Releases the CA's keys.</summary>
    public void Dispose() => _issuer.Dispose();
}
