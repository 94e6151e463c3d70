using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Micro.Auth.Jwt;

/// <summary>
/// The keys this process knows, by kid, and the one it signs with. Immutable: a reload builds a new set.
/// Validation looks a key up by the token's kid only; an unknown kid finds nothing (no trying every key).
/// A replaced set is not disposed: validations in flight may still hold its keys.
/// </summary>
internal sealed class SigningKeySet
{
    private readonly Dictionary<string, (KeyRecord Record, ECDsaSecurityKey Key, ECDsa Ecdsa)> _keys;

    public static readonly SigningKeySet Empty = new([], DateTimeOffset.MinValue);

    public SigningKeySet(IEnumerable<KeyRecord> records, DateTimeOffset now)
    {
        _keys = new(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (record.ValidUntil <= now || _keys.ContainsKey(record.Kid)) continue;
            var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                D = Base64UrlEncoder.DecodeBytes(record.D),
                Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(record.X), Y = Base64UrlEncoder.DecodeBytes(record.Y) },
            });
            _keys[record.Kid] = (record, new ECDsaSecurityKey(ecdsa) { KeyId = record.Kid }, ecdsa);
        }
        Signing = _keys.Values
            .Where(k => k.Record.Created <= now && k.Record.SignUntil > now)
            .OrderByDescending(k => k.Record.Created).ThenByDescending(k => k.Record.Kid, StringComparer.Ordinal)
            .Select(k => k.Key).FirstOrDefault();
        Fingerprint = string.Join(',', _keys.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>The key new tokens are signed with: the newest whose signing period covers now.</summary>
    public ECDsaSecurityKey? Signing { get; }

    /// <summary>The kids, to tell whether a reload changed the set.</summary>
    public string Fingerprint { get; }

    public IEnumerable<KeyRecord> Records => _keys.Values.Select(k => k.Record);

    public int Count => _keys.Count;

    /// <summary>When the signing key stops signing (rotation is due before then).</summary>
    public DateTimeOffset SigningUntil => Signing is null ? DateTimeOffset.MinValue : _keys[Signing.KeyId].Record.SignUntil;

    public bool TryGet(string? kid, out SecurityKey key)
    {
        if (kid is not null && _keys.TryGetValue(kid, out var entry))
        {
            key = entry.Key;
            return true;
        }
        key = null!;
        return false;
    }

    /// <summary>A new P-256 key with a random kid.</summary>
    public static KeyRecord Generate(DateTimeOffset now, TimeSpan signFor, TimeSpan validAfterSigning)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ecdsa.ExportParameters(includePrivateParameters: true);
        return new KeyRecord
        {
            Kid = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(9)), // 72 random bits: unique among a handful of live keys
            Created = now,
            SignUntil = now + signFor,
            ValidUntil = now + signFor + validAfterSigning,
            X = Base64UrlEncoder.Encode(p.Q.X!),
            Y = Base64UrlEncoder.Encode(p.Q.Y!),
            D = Base64UrlEncoder.Encode(p.D!),
        };
    }
}
