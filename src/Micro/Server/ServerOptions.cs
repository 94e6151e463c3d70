namespace Micro.Server;

/// <summary>
/// How a Micro service listens and stays registered. Bound from <c>Micro:Server:*</c> / <c>MICRO_SERVER_*</c>: a setting
/// is named like its property (<c>MICRO_SERVER_GRACE_PERIOD</c>, <c>Micro:Server:GracePeriod</c>).
/// </summary>
public sealed class ServerOptions : IMicroOptions
{
    /// <summary>
    /// host:port to listen on; port 0 picks a free one. <c>--address</c> or MICRO_SERVER_ADDRESS. When not set:
    /// 127.0.0.1 with the in-process registry (MICRO_REGISTRY=memory), else every interface (0.0.0.0), with the
    /// first non-loopback IPv4 address advertised.
    /// </summary>
    public string Address { get; set; } = "127.0.0.1:0";

    /// <summary>host:port put in the registry when it differs from the listen address (e.g. behind NAT, or listening on 0.0.0.0).</summary>
    public string? Advertise { get; set; }

    /// <summary>The version registered with every node.</summary>
    public string Version { get; set; } = "latest";

    /// <summary>Service metadata put in the registry.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();

    /// <summary>Largest request or response message accepted, in bytes (4 MiB, as gRPC's default).</summary>
    public int MaxMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Largest total size of a request's headers (the call's metadata plus protocol headers), and of any one header,
    /// in bytes. Kestrel refuses larger ones by resetting the HTTP/2 connection, which callers see as a lost connection;
    /// Micro clients refuse oversized metadata before sending (<c>micro.metadata.too_large</c>).
    /// </summary>
    public int MaxHeaderSize { get; set; } = 64 * 1024;

    /// <summary>How long the registry keeps this node without a refresh (MICRO_SERVER_TTL).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the node re-registers; well inside <see cref="Ttl"/> (MICRO_SERVER_INTERVAL).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>On shutdown, how long in-flight calls may take to finish before they are cut off (MICRO_SERVER_GRACE_PERIOD).</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After this long without a frame from a caller's connection, the server pings it (HTTP/2 PING); no answer within
    /// <see cref="KeepAliveTimeout"/> closes the connection, which cancels the calls on it. This is how a handler learns
    /// that a caller behind a partition is gone when the caller sent no deadline. At least 1 s;
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns pings off.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a ping from the server may go unanswered before it closes the connection. At least 1 s.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    void IMicroOptions.Read(MicroSettings s)
    {
        Address = s.String(nameof(Address)) ?? Address;
        Advertise = s.String(nameof(Advertise)) ?? Advertise;
        Version = s.String(nameof(Version)) ?? Version;
        MaxMessageSize = s.Int32(nameof(MaxMessageSize)) ?? MaxMessageSize;
        MaxHeaderSize = s.Int32(nameof(MaxHeaderSize)) ?? MaxHeaderSize;
        Ttl = s.Duration(nameof(Ttl)) ?? Ttl;
        Interval = s.Duration(nameof(Interval)) ?? Interval;
        GracePeriod = s.Duration(nameof(GracePeriod)) ?? GracePeriod;
        KeepAliveInterval = s.Duration(nameof(KeepAliveInterval)) ?? KeepAliveInterval;
        KeepAliveTimeout = s.Duration(nameof(KeepAliveTimeout)) ?? KeepAliveTimeout;
    }

    IEnumerable<string> IMicroOptions.Validate() => Validate();

    /// <summary>The problems with these settings (empty when valid), each naming its setting.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxMessageSize <= 0) yield return "Micro:Server:MaxMessageSize must be positive";
        if (MaxHeaderSize < 4096) yield return "Micro:Server:MaxHeaderSize must be at least 4096";
        if (Ttl <= TimeSpan.Zero) yield return "Micro:Server:Ttl must be positive";
        if (Interval <= TimeSpan.Zero || Interval >= Ttl) yield return "Micro:Server:Interval must be positive and shorter than Micro:Server:Ttl";
        if (GracePeriod < TimeSpan.Zero) yield return "Micro:Server:GracePeriod must not be negative";
        if (KeepAliveInterval != Timeout.InfiniteTimeSpan && KeepAliveInterval < TimeSpan.FromSeconds(1)) yield return "Micro:Server:KeepAliveInterval must be at least 1s";
        if (KeepAliveTimeout != Timeout.InfiniteTimeSpan && KeepAliveTimeout < TimeSpan.FromSeconds(1)) yield return "Micro:Server:KeepAliveTimeout must be at least 1s";
    }
}
