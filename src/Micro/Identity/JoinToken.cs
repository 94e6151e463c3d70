using System.Security.Cryptography;
using System.Text;

namespace Micro.Identity;

/// <summary>
/// Join tokens, <c>v1.&lt;service&gt;.&lt;mac&gt;</c>: an HMAC-SHA256 over the trust domain and the service name under a key
/// derived from the issuing CA's private key. Only the CA can make or check one, and a token names the one service it
/// admits, so a CSR cannot choose its identity.
/// </summary>
internal static class JoinToken
{
    private const string Version = "v1.";
    private const int MaxLength = 512;

    public static string Create(ReadOnlySpan<byte> secret, string trustDomain, string service)
    {
        if (!SpiffeId.IsValidName(service)) throw new ArgumentException($"'{service}' is not a valid service name", nameof(service));
        return Version + service + "." + Base64Url(Mac(secret, trustDomain, service));
    }

    /// <summary>The service the token admits, or null when it is not a token of this CA.</summary>
    public static string? Verify(ReadOnlySpan<byte> secret, string trustDomain, string? token)
    {
        if (token is null || token.Length > MaxLength || !token.StartsWith(Version, StringComparison.Ordinal)) return null;
        var dot = token.LastIndexOf('.');
        if (dot <= Version.Length) return null;
        var service = token[Version.Length..dot];
        if (!SpiffeId.IsValidName(service)) return null;
        var expected = Base64Url(Mac(secret, trustDomain, service));
        var given = token[(dot + 1)..];
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given)) ? service : null;
    }

    private static byte[] Mac(ReadOnlySpan<byte> secret, string trustDomain, string service) =>
        HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes("micro-join-v1\n" + trustDomain + "\n" + service));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
