using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Micro.Identity;

/// <summary>
/// Decides whether a peer's certificate is a Micro workload certificate: chained to the trust bundle (custom root trust,
/// never the system store), valid now, not a CA, for the right purpose, with exactly one URI SAN naming a service of
/// this trust domain, and not on the deny-list. Used by servers, clients and the CA (for renewal).
/// </summary>
internal sealed class CertificateValidator(Func<TrustBundle> bundle, string trustDomain, IdentityDenyList? denyList, TimeProvider time)
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string SubjectAltName = "2.5.29.17";

    /// <summary>What a certificate is presented for: a server proves it to a client, a client to a server.</summary>
    public enum Purpose { Server, Client, Any }

    public string TrustDomain { get; } = trustDomain;

    /// <summary>The certificate's identity, or null with <paramref name="reason"/> saying why it is refused.</summary>
    public SpiffeId? Validate(X509Certificate2? leaf, X509Certificate2Collection? presented, Purpose purpose, out string reason)
    {
        if (leaf is null) { reason = "no certificate presented"; return null; }
        if (leaf.Extensions["2.5.29.19"] is X509BasicConstraintsExtension { CertificateAuthority: true })
        { reason = "a CA certificate is not a workload certificate"; return null; }
        var uris = UriSans(leaf, out var sanError);
        if (sanError is not null) { reason = sanError; return null; }
        if (uris.Count != 1) { reason = $"a workload certificate has exactly one URI SAN; this one has {uris.Count}"; return null; }
        if (!SpiffeId.TryParse(uris[0], out var id)) { reason = $"URI SAN '{Truncate(uris[0])}' is not spiffe://<trust-domain>/service/<name>"; return null; }
        if (!string.Equals(id.Value.TrustDomain, TrustDomain, StringComparison.Ordinal))
        { reason = $"identity {id} is not of trust domain {TrustDomain}"; return null; }

        var now = time.GetUtcNow().UtcDateTime;
        if (now < leaf.NotBefore.ToUniversalTime()) { reason = $"certificate of {id} is not valid before {leaf.NotBefore.ToUniversalTime():u}"; return null; }
        if (now > leaf.NotAfter.ToUniversalTime()) { reason = $"certificate of {id} expired at {leaf.NotAfter.ToUniversalTime():u}"; return null; }

        var trust = bundle();
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust.Roots);
        chain.ChainPolicy.ExtraStore.AddRange(trust.Intermediates);
        if (presented is not null)
            foreach (var c in presented)
                if (!string.Equals(c.Thumbprint, leaf.Thumbprint, StringComparison.Ordinal)) chain.ChainPolicy.ExtraStore.Add(c);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (purpose != Purpose.Any) chain.ChainPolicy.ApplicationPolicy.Add(new Oid(purpose == Purpose.Server ? ServerAuth : ClientAuth));
        if (!chain.Build(leaf))
        {
            reason = $"certificate of {id} does not chain to the trust bundle: "
                + string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            foreach (var element in chain.ChainElements) element.Certificate.Dispose();
            return null;
        }
        foreach (var element in chain.ChainElements) element.Certificate.Dispose();

        if (denyList is not null && denyList.IsDenied(id.Value)) { reason = $"identity {id} is on the deny-list"; return null; }
        reason = "";
        return id;
    }

    /// <summary>The URI entries of the certificate's subject alternative names (RFC 5280 GeneralName [6]).</summary>
    internal static List<string> UriSans(X509Certificate2 certificate, out string? error)
    {
        var uris = new List<string>();
        error = null;
        var extensions = 0;
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAltName) continue;
            if (++extensions > 1) { error = "more than one subjectAltName extension"; return uris; }
            try
            {
                var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
                var names = reader.ReadSequence();
                reader.ThrowIfNotEmpty();
                var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
                while (names.HasData)
                {
                    if (names.PeekTag().HasSameClassAndValue(uriTag)) uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                    else names.ReadEncodedValue();
                }
            }
            catch (AsnContentException)
            {
                error = "malformed subjectAltName extension";
                return uris;
            }
        }
        return uris;
    }

    private static string Truncate(string text) => text.Length <= 100 ? text : text[..100] + "...";
}
