namespace Micro.Identity;

/// <summary>
/// Where a service's certificate comes from and what it says. Bound from <c>Micro:Identity:*</c> / <c>MICRO_IDENTITY_*</c>.
/// Used only when <see cref="TlsOptions.Mode"/> is not off.
/// </summary>
public sealed class IdentityOptions : IMicroOptions
{
    /// <summary>The trust domain in every identity, <c>spiffe://&lt;TrustDomain&gt;/service/&lt;name&gt;</c> (<c>MICRO_IDENTITY_TRUST_DOMAIN</c>).</summary>
    public string TrustDomain { get; set; } = "micro.local";

    /// <summary>The identity of a process that only calls (<c>MicroService.CreateClient</c>); a service is always named by its service name.</summary>
    public string Name { get; set; } = "client";

    /// <summary>Lifetime of a workload certificate (<c>MICRO_IDENTITY_CERTIFICATE_LIFETIME</c>, default 24h, at least 1m); renewed at about half of it.</summary>
    public TimeSpan CertificateLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Folder of the built-in CA (<c>MICRO_IDENTITY_CA_PATH</c>): root and issuing certificates, their keys and the join secret,
    /// created on first use. Every process that can read it can issue certificates: on a shared machine, protect it like a key.
    /// Default: <c>~/.micro/ca</c>.
    /// </summary>
    public string? CaPath { get; set; }

    /// <summary>Bring your own CA: PEM file of the issuing CA certificate (<c>MICRO_IDENTITY_CA_CERTIFICATE</c>); with <see cref="CaKey"/>.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>Bring your own CA: PEM file of the issuing CA's private key (<c>MICRO_IDENTITY_CA_KEY</c>).</summary>
    public string? CaKey { get; set; }

    /// <summary>
    /// PEM files of trusted roots (<c>MICRO_IDENTITY_TRUST_BUNDLE=a.pem,b.pem</c>), added to the CA's own root: several roots
    /// are trusted at once while a root is being replaced. With a brought CA whose root is not in its file, list the root here.
    /// </summary>
    public IReadOnlyList<string> TrustBundle { get; set; } = [];

    /// <summary>
    /// host:port of a CA service (<c>MICRO_IDENTITY_CA_ADDRESS</c>, see <see cref="CertificateAuthorityService"/>): get
    /// certificates from it instead of holding the CA. Needs <see cref="TrustBundle"/> (the roots, to check the CA service)
    /// and, for the first certificate, <see cref="JoinToken"/>.
    /// </summary>
    public string? CaAddress { get; set; }

    /// <summary>The CA service's name, checked against its certificate (<c>MICRO_IDENTITY_CA_SERVICE</c>, default <c>ca</c>).</summary>
    public string CaService { get; set; } = "ca";

    /// <summary>The join token the CA made for this service (<c>MICRO_IDENTITY_JOIN_TOKEN</c>): it decides the identity.</summary>
    public string? JoinToken { get; set; }

    /// <summary>How often servers re-read the identity deny-list from the store (<c>MICRO_IDENTITY_DENY_LIST_REFRESH</c>): the revocation bound.</summary>
    public TimeSpan DenyListRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><see cref="CaPath"/>, or its default <c>~/.micro/ca</c>.</summary>
    public string ResolvedCaPath => CaPath ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".micro", "ca");

    /// <summary>The options as <paramref name="configuration"/> sets them (for tools that run without the service's container).</summary>
    public static IdentityOptions From(Microsoft.Extensions.Configuration.IConfiguration? configuration)
    {
        var options = new IdentityOptions();
        ((IMicroOptions)options).Read(new MicroSettings(configuration, "Identity"));
        return options;
    }

    void IMicroOptions.Read(MicroSettings settings)
    {
        TrustDomain = settings.String(nameof(TrustDomain)) ?? TrustDomain;
        Name = settings.String(nameof(Name)) ?? Name;
        CertificateLifetime = settings.Duration(nameof(CertificateLifetime)) ?? CertificateLifetime;
        CaPath = settings.String(nameof(CaPath)) ?? CaPath;
        CaCertificate = settings.String(nameof(CaCertificate)) ?? CaCertificate;
        CaKey = settings.String(nameof(CaKey)) ?? CaKey;
        TrustBundle = settings.List(nameof(TrustBundle)) ?? TrustBundle;
        DenyListRefresh = settings.Duration(nameof(DenyListRefresh)) ?? DenyListRefresh;
        CaAddress = settings.String(nameof(CaAddress)) ?? CaAddress;
        CaService = settings.String(nameof(CaService)) ?? CaService;
        JoinToken = settings.String(nameof(JoinToken)) ?? JoinToken;
    }

    IEnumerable<string> IMicroOptions.Validate()
    {
        if (!SpiffeId.IsValidTrustDomain(TrustDomain)) yield return $"Micro:Identity:TrustDomain '{TrustDomain}' must be a lower-case DNS-like name";
        if (!SpiffeId.IsValidName(Name)) yield return $"Micro:Identity:Name '{Name}' is not a valid service name";
        if (CertificateLifetime < TimeSpan.FromMinutes(1)) yield return "Micro:Identity:CertificateLifetime must be at least 1m";
        if ((CaCertificate is null) != (CaKey is null)) yield return "Micro:Identity:CaCertificate and Micro:Identity:CaKey go together";
        if (CaAddress is not null && TrustBundle.Count == 0) yield return "Micro:Identity:CaAddress needs Micro:Identity:TrustBundle (the roots the CA service chains to)";
        if (CaAddress is not null && CaCertificate is not null) yield return "Micro:Identity:CaAddress and Micro:Identity:CaCertificate exclude each other";
        if (DenyListRefresh <= TimeSpan.Zero) yield return "Micro:Identity:DenyListRefresh must be positive";
    }
}
