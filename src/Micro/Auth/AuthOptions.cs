using Micro.Plugins;
using Microsoft.Extensions.Configuration;

namespace Micro.Auth;

/// <summary>
/// Auth settings: <c>MICRO_AUTH</c> = <c>jwt</c> (enforce) or <c>none</c> (development: everything
/// allowed, a warning at start); unset means <c>none</c>. Every property reads from
/// <c>MICRO_AUTH_{NAME}</c> or <c>Micro:Auth:{Name}</c>.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>Most clock skew accepted on <c>exp</c>/<c>nbf</c> (the library's 5 minutes is far too loose).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>"jwt" or "none" (MICRO_AUTH); null = none.</summary>
    public string? Plugin { get; set; }

    /// <summary>Whether calls and deliveries are checked (<see cref="Plugin"/> is <c>jwt</c>).</summary>
    public bool Enabled => string.Equals(Plugin, "jwt", StringComparison.OrdinalIgnoreCase);

    /// <summary>This service's account id (MICRO_AUTH_ID); with <see cref="Secret"/>, used instead of a generated account.</summary>
    public string? Id { get; set; }

    /// <summary>This service's account secret (MICRO_AUTH_SECRET). Never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>JWT <c>iss</c> of issued tokens, and the only issuer accepted.</summary>
    public string Issuer { get; set; } = "micro";

    /// <summary>How long an access token lives (MICRO_AUTH_ACCESS_TOKEN_LIFETIME).</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a refresh token lives.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Clock skew allowed on <c>exp</c>/<c>nbf</c>; at most <see cref="MaxClockSkew"/>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often rules and keys are re-read from the store: a rule granted or revoked on another node takes effect here within this.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a signing key signs before a new one takes over (the old one still validates its tokens until they expire).</summary>
    public TimeSpan KeyRotationInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Largest token accepted, in characters; anything longer is refused before decoding.</summary>
    public int MaxTokenSize { get; set; } = 8192;

    /// <summary>Validated tokens kept in the cache at most.</summary>
    public int TokenCacheSize { get; set; } = 100_000;

    /// <summary>The store database holding the auth tables; shared by every service (MICRO_AUTH_DATABASE).</summary>
    public string Database { get; set; } = "micro";

    /// <summary>Reads MICRO_AUTH* / Micro:Auth:* over the defaults.</summary>
    public static AuthOptions From(IConfiguration? configuration)
    {
        var o = new AuthOptions();
        if (configuration is not null) o.Read(configuration);
        return o;
    }

    /// <summary>Overwrites the properties that <paramref name="configuration"/> sets.</summary>
    public void Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var o = this;
        o.Plugin = MicroSettings.GetPlugin(configuration, "auth") ?? o.Plugin;
        o.Id = MicroSettings.Get(configuration, "auth", "id") ?? o.Id;
        o.Secret = MicroSettings.Get(configuration, "auth", "secret") ?? o.Secret;
        o.Issuer = MicroSettings.Get(configuration, "auth", "issuer") ?? o.Issuer;
        o.Database = MicroSettings.Get(configuration, "auth", "database") ?? o.Database;
        o.AccessTokenLifetime = Duration(configuration, "access_token_lifetime") ?? o.AccessTokenLifetime;
        o.RefreshTokenLifetime = Duration(configuration, "refresh_token_lifetime") ?? o.RefreshTokenLifetime;
        o.ClockSkew = Duration(configuration, "clock_skew") ?? o.ClockSkew;
        o.RefreshInterval = Duration(configuration, "refresh_interval") ?? o.RefreshInterval;
        o.KeyRotationInterval = Duration(configuration, "key_rotation_interval") ?? o.KeyRotationInterval;
        if (MicroSettings.Get(configuration, "auth", "max_token_size") is { } size)
            o.MaxTokenSize = int.Parse(size, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static TimeSpan? Duration(IConfiguration configuration, string name) =>
        MicroSettings.Get(configuration, "auth", name) is { } text ? MicroServiceCollectionExtensions.ParseDuration(text) : null;

    /// <summary>What is wrong with these settings, each naming the setting; empty when they are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (Plugin is not null && !Enabled && !string.Equals(Plugin, "none", StringComparison.OrdinalIgnoreCase))
            yield return $"MICRO_AUTH={Plugin}: must be 'jwt' or 'none'";
        if ((Id is null) != (Secret is null))
            yield return "MICRO_AUTH_ID and MICRO_AUTH_SECRET must be set together";
        if (string.IsNullOrWhiteSpace(Issuer)) yield return "Micro:Auth:Issuer must not be empty";
        if (AccessTokenLifetime <= TimeSpan.Zero) yield return "Micro:Auth:AccessTokenLifetime must be positive";
        if (RefreshTokenLifetime < AccessTokenLifetime) yield return "Micro:Auth:RefreshTokenLifetime must be at least AccessTokenLifetime";
        if (ClockSkew < TimeSpan.Zero || ClockSkew > MaxClockSkew) yield return $"Micro:Auth:ClockSkew must be between 0 and {MaxClockSkew.TotalSeconds} s";
        if (RefreshInterval <= TimeSpan.Zero) yield return "Micro:Auth:RefreshInterval must be positive";
        if (KeyRotationInterval <= TimeSpan.Zero) yield return "Micro:Auth:KeyRotationInterval must be positive";
        if (MaxTokenSize is < 256 or > 65536) yield return "Micro:Auth:MaxTokenSize must be between 256 and 65536";
        if (TokenCacheSize < 1) yield return "Micro:Auth:TokenCacheSize must be positive";
    }

    /// <summary>Throws naming every bad setting.</summary>
    internal void ThrowIfInvalid()
    {
        var errors = Validate().ToList();
        if (errors.Count > 0) throw new InvalidOperationException("auth settings: " + string.Join("; ", errors));
    }
}
