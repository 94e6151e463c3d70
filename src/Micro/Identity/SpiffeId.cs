using System.Diagnostics.CodeAnalysis;

namespace Micro.Identity;

/// <summary>A service identity, <c>spiffe://&lt;trust-domain&gt;/service/&lt;name&gt;</c>: the one URI SAN of a workload certificate.</summary>
public readonly record struct SpiffeId(string TrustDomain, string Service)
{
    private const string Scheme = "spiffe://";
    private const string ServicePath = "/service/";
    private const int MaxLength = 2048;

    /// <summary>The URI form.</summary>
    public override string ToString() => Scheme + TrustDomain + ServicePath + Service;

    /// <summary>Parses the URI form; false for anything else (other schemes, paths, query, fragment, bad names).</summary>
    public static bool TryParse(string? uri, [NotNullWhen(true)] out SpiffeId? id)
    {
        id = null;
        if (uri is null || uri.Length > MaxLength || !uri.StartsWith(Scheme, StringComparison.Ordinal)) return false;
        var rest = uri.AsSpan(Scheme.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0) return false;
        var domain = rest[..slash].ToString();
        var path = rest[slash..];
        if (!path.StartsWith(ServicePath, StringComparison.Ordinal)) return false;
        var name = path[ServicePath.Length..].ToString();
        if (!IsValidTrustDomain(domain) || !IsValidName(name)) return false;
        id = new SpiffeId(domain, name);
        return true;
    }

    /// <summary>Lower-case letters, digits, '.', '-' and '_', as SPIFFE allows in a trust domain.</summary>
    public static bool IsValidTrustDomain(string? domain) =>
        domain is { Length: > 0 and <= 255 } && domain.AsSpan().IndexOfAnyExcept(TrustDomainCharacters) < 0;

    /// <summary>Service names as the registry carries them: letters, digits, '.', '-' and '_'.</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= 253 } && name.AsSpan().IndexOfAnyExcept(NameCharacters) < 0;

    private static readonly System.Buffers.SearchValues<char> TrustDomainCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789.-_");

    private static readonly System.Buffers.SearchValues<char> NameCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");
}
