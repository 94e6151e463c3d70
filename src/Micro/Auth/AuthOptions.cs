namespace Micro.Auth;

/// <summary>
/// Auth settings: <c>MICRO_AUTH</c> = <c>jwt</c> (enforce) or <c>none</c> (development: everything
/// allowed, a warning at start); unset means <c>none</c>. Every property reads from
/// <c>MICRO_AUTH_{NAME}</c> or <c>Micro:Auth:{Name}</c> (e.g. <c>MICRO_AUTH_REFRESH_INTERVAL=5s</c>).
/// </summary>
public sealed class AuthOptions : IPluginOptions
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
    public int TokenCacheSize { get; set; } = 10_000;

    /// <summary>The store database holding the auth tables; shared by every service (MICRO_AUTH_DATABASE).</summary>
    public string Database { get; set; } = "micro";

    /// <summary>Reads Micro:Auth:* / MICRO_AUTH_* over the current values (the options pattern's first step).</summary>
    public void Read(MicroSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Plugin = settings.Plugin ?? Plugin;
        Id = settings.String(nameof(Id)) ?? Id;
        Secret = settings.String(nameof(Secret)) ?? Secret;
        Issuer = settings.String(nameof(Issuer)) ?? Issuer;
        Database = settings.String(nameof(Database)) ?? Database;
        AccessTokenLifetime = settings.Duration(nameof(AccessTokenLifetime)) ?? AccessTokenLifetime;
        RefreshTokenLifetime = settings.Duration(nameof(RefreshTokenLifetime)) ?? RefreshTokenLifetime;
        ClockSkew = settings.Duration(nameof(ClockSkew)) ?? ClockSkew;
        RefreshInterval = settings.Duration(nameof(RefreshInterval)) ?? RefreshInterval;
        KeyRotationInterval = settings.Duration(nameof(KeyRotationInterval)) ?? KeyRotationInterval;
        MaxTokenSize = settings.Int32(nameof(MaxTokenSize)) ?? MaxTokenSize;
        TokenCacheSize = settings.Int32(nameof(TokenCacheSize)) ?? TokenCacheSize;
    }

    /// <summary>What is wrong with these settings, each naming the setting; empty when they are usable.</summary>
    public IEnumerable<string> Validate()
    {
        static string Name(string? property) => MicroSettings.Describe("Auth", property);
        if (Plugin is not null && !Enabled && !string.Equals(Plugin, "none", StringComparison.OrdinalIgnoreCase))
            yield return $"{Name(null)} is '{Plugin}': must be 'jwt' or 'none' (MICRO_AUTH={Plugin})";
        if ((Id is null) != (Secret is null))
            yield return $"{Name(nameof(Id))} and {Name(nameof(Secret))} must be set together";
        if (string.IsNullOrWhiteSpace(Issuer)) yield return $"{Name(nameof(Issuer))} must not be empty";
        if (AccessTokenLifetime <= TimeSpan.Zero) yield return $"{Name(nameof(AccessTokenLifetime))} must be positive";
        if (RefreshTokenLifetime < AccessTokenLifetime) yield return $"{Name(nameof(RefreshTokenLifetime))} must be at least the access token lifetime";
        if (ClockSkew < TimeSpan.Zero || ClockSkew > MaxClockSkew) yield return $"{Name(nameof(ClockSkew))} must be between 0 and {MaxClockSkew.TotalSeconds} s";
        if (RefreshInterval <= TimeSpan.Zero) yield return $"{Name(nameof(RefreshInterval))} must be positive";
        if (KeyRotationInterval <= TimeSpan.Zero) yield return $"{Name(nameof(KeyRotationInterval))} must be positive";
        if (MaxTokenSize is < 256 or > 65536) yield return $"{Name(nameof(MaxTokenSize))} must be between 256 and 65536";
        if (TokenCacheSize < 1) yield return $"{Name(nameof(TokenCacheSize))} must be positive";
    }

    /// <summary>Throws naming every bad setting.</summary>
    internal void ThrowIfInvalid()
    {
        var errors = Validate().ToList();
        if (errors.Count > 0) throw new InvalidOperationException("auth settings: " + string.Join("; ", errors));
    }
}
