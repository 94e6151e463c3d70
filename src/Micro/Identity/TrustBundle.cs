using System.Security.Cryptography.X509Certificates;

namespace Micro.Identity;

/// <summary>
/// The roots a service trusts (several at once while a root is replaced) and the issuing certificates that help build
/// chains to them: a client sends only its leaf, so servers complete its chain from here. Never the system store.
/// </summary>
public sealed class TrustBundle
{
    /// <summary>A bundle of <paramref name="roots"/> (trust anchors) and <paramref name="intermediates"/> (chain helpers, not trusted by themselves).</summary>
    public TrustBundle(IEnumerable<X509Certificate2> roots, IEnumerable<X509Certificate2>? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(roots);
        Roots = [.. roots.DistinctBy(c => c.Thumbprint)];
        Intermediates = [.. (intermediates ?? []).DistinctBy(c => c.Thumbprint)];
        if (Roots.Count == 0) throw new ArgumentException("a trust bundle needs at least one root", nameof(roots));
    }

    /// <summary>Trust anchors.</summary>
    public X509Certificate2Collection Roots { get; }

    /// <summary>Issuing CA certificates, used to complete chains.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>This bundle plus the roots in <paramref name="pemFiles"/> (each file may hold several certificates).</summary>
    public TrustBundle WithRootsFrom(IEnumerable<string> pemFiles)
    {
        var roots = new List<X509Certificate2>(Roots);
        foreach (var file in pemFiles)
        {
            var more = new X509Certificate2Collection();
            more.ImportFromPemFile(file);
            roots.AddRange(more);
        }
        return new TrustBundle(roots, Intermediates);
    }

    /// <summary>The roots as PEM, to hand to other services (<c>MICRO_IDENTITY_TRUST_BUNDLE</c>).</summary>
    public string RootsPem() => string.Concat(Roots.Select(c => c.ExportCertificatePem() + "\n"));
}
