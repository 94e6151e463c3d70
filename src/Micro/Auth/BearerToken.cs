using System.Buffers;

namespace Micro.Auth;

/// <summary>
/// Reads <c>authorization: Bearer TOKEN</c>. Only the exact form Micro's clients send is accepted:
/// "Bearer", one space, a JWT (base64url parts joined by dots). Anything else present in the header
/// (another scheme, lower-case scheme, extra spaces, two headers joined by a comma) is malformed and
/// refused with 401, never read as "no token": a header one parser ignores and another reads is how
/// auth gets bypassed.
/// </summary>
internal static class BearerToken
{
    /// <summary>The metadata key the token travels in (gRPC metadata keys are lower case).</summary>
    public const string Header = "authorization";

    private const string Prefix = "Bearer ";

    private static readonly SearchValues<char> TokenCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");

    /// <summary>The header value for <paramref name="token"/>.</summary>
    public static string Format(string token) => Prefix + token;

    /// <summary>
    /// False when the header is present but not a well-formed bearer token. True otherwise, with
    /// <paramref name="token"/> null when there is no header (an anonymous caller).
    /// </summary>
    public static bool TryParse(string? header, int maxLength, out string? token)
    {
        token = null;
        if (!TryParse(header, maxLength, out ReadOnlySpan<char> value)) return false;
        if (!value.IsEmpty) token = header![Prefix.Length..];
        return true;
    }

    /// <summary>As <see cref="TryParse(string?, int, out string?)"/>, without copying the token (empty = no header).</summary>
    public static bool TryParse(string? header, int maxLength, out ReadOnlySpan<char> token)
    {
        token = default;
        if (header is null || header.Length == 0) return true;
        if (header.Length > maxLength + Prefix.Length || !header.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var value = header.AsSpan(Prefix.Length);
        if (value.Length == 0 || value.ContainsAnyExcept(TokenCharacters)) return false;
        token = value;
        return true;
    }
}
