namespace Micro.Identity;

/// <summary>Transport security of calls. Bound from <c>Micro:Tls:*</c> / <c>MICRO_TLS_*</c>; the mode from <c>MICRO_TLS</c>.</summary>
public sealed class TlsOptions : IMicroOptions
{
    /// <summary><c>MICRO_TLS</c> or <c>Micro:Tls:Mode</c>: off (default), permissive or strict.</summary>
    public TlsMode Mode { get; set; } = TlsMode.Off;

    /// <summary>
    /// Permissive mode only: host:port of the mTLS listener (<c>MICRO_TLS_ADDRESS</c>); null = the server's host on a free port.
    /// In strict mode the server's own address is the mTLS listener.
    /// </summary>
    public string? Address { get; set; }

    /// <summary>A TLS handshake that takes longer is dropped (<c>MICRO_TLS_HANDSHAKE_TIMEOUT</c>).</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the client keeps one mTLS connection (<c>MICRO_TLS_CONNECTION_LIFETIME</c>): after it, new calls go over a new
    /// handshake that re-checks both certificates; calls in flight finish on the old connection.
    /// </summary>
    public TimeSpan ConnectionLifetime { get; set; } = TimeSpan.FromMinutes(10);

    void IMicroOptions.Read(MicroSettings settings)
    {
        if ((settings.String(nameof(Mode)) ?? settings.Plugin) is { } mode)
            Mode = Enum.TryParse<TlsMode>(mode, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
                : throw new Microsoft.Extensions.Options.OptionsValidationException("Tls", typeof(TlsOptions),
                    [$"{MicroSettings.Describe("Tls", null)}: '{mode}' is not off, permissive or strict"]);
        Address = settings.String(nameof(Address)) ?? Address;
        HandshakeTimeout = settings.Duration(nameof(HandshakeTimeout)) ?? HandshakeTimeout;
        ConnectionLifetime = settings.Duration(nameof(ConnectionLifetime)) ?? ConnectionLifetime;
    }

    IEnumerable<string> IMicroOptions.Validate()
    {
        if (HandshakeTimeout <= TimeSpan.Zero) yield return "Micro:Tls:HandshakeTimeout must be positive";
        if (ConnectionLifetime <= TimeSpan.Zero) yield return "Micro:Tls:ConnectionLifetime must be positive";
    }
}
