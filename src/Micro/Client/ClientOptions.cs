namespace Micro.Client;

/// <summary>
/// Client defaults. Bound from <c>Micro:Client:*</c> / <c>MICRO_CLIENT_*</c>: a setting is named like its property
/// (<c>MICRO_CLIENT_KEEP_ALIVE_INTERVAL</c>, <c>Micro:Client:KeepAliveInterval</c>); durations accept <c>5s</c>, <c>250ms</c>, <c>00:00:05</c>.
/// </summary>
public sealed class ClientOptions : IMicroOptions
{
    /// <summary>Budget of a call including its retries, unless the call sets its own (or inherits a shorter one); kept by the client, not sent as a deadline.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries on another node, when safe (see <see cref="CallOptions.Idempotent"/>).</summary>
    public int Retries { get; set; } = 1;

    /// <summary>First backoff between attempts; doubles each retry, bounded by the call's deadline.</summary>
    public TimeSpan Backoff { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a node that failed (refused, lost, no answer in time) is skipped.</summary>
    public TimeSpan Quarantine { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a registry answer is reused when no watch event invalidates it first.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest message the client accepts in a response.</summary>
    public int MaxMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>A node whose TCP connection is not up within this fails over at once (the call never reached it).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// HTTP/2 ping after this long without a frame from a node while calls are in flight; with
    /// <see cref="KeepAliveTimeout"/> it finds a node that stopped answering (frozen, partitioned) without waiting for
    /// each call's deadline. At least 1 s; <see cref="Timeout.InfiniteTimeSpan"/> turns pings off.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A ping unanswered for this long closes the connection, failing its calls (at least 1 s).</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longest one attempt of an idempotent call may take while retries remain; null: half of the call's remaining
    /// budget, so a node that does not answer leaves time to ask another one.
    /// </summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>Largest total size of a call's metadata (keys + values + 32 bytes each, as HTTP/2 counts); larger is refused before sending.</summary>
    public int MaxMetadataSize { get; set; } = 32 * 1024;

    void IMicroOptions.Read(MicroSettings s)
    {
        Timeout = s.Duration(nameof(Timeout)) ?? Timeout;
        Retries = s.Int32(nameof(Retries)) ?? Retries;
        Backoff = s.Duration(nameof(Backoff)) ?? Backoff;
        Quarantine = s.Duration(nameof(Quarantine)) ?? Quarantine;
        CacheTtl = s.Duration(nameof(CacheTtl)) ?? CacheTtl;
        MaxMessageSize = s.Int32(nameof(MaxMessageSize)) ?? MaxMessageSize;
        ConnectTimeout = s.Duration(nameof(ConnectTimeout)) ?? ConnectTimeout;
        KeepAliveInterval = s.Duration(nameof(KeepAliveInterval)) ?? KeepAliveInterval;
        KeepAliveTimeout = s.Duration(nameof(KeepAliveTimeout)) ?? KeepAliveTimeout;
        AttemptTimeout = s.Duration(nameof(AttemptTimeout)) ?? AttemptTimeout;
        MaxMetadataSize = s.Int32(nameof(MaxMetadataSize)) ?? MaxMetadataSize;
    }

    /// <summary>The problems with these settings (empty when valid), each naming its setting.</summary>
    public IEnumerable<string> Validate()
    {
        if (Timeout <= TimeSpan.Zero) yield return "Micro:Client:Timeout must be positive";
        if (Retries < 0) yield return "Micro:Client:Retries must be 0 or more";
        if (ConnectTimeout <= TimeSpan.Zero) yield return "Micro:Client:ConnectTimeout must be positive";
        if (KeepAliveInterval != System.Threading.Timeout.InfiniteTimeSpan && KeepAliveInterval < TimeSpan.FromSeconds(1)) yield return "Micro:Client:KeepAliveInterval must be at least 1s";
        if (KeepAliveTimeout != System.Threading.Timeout.InfiniteTimeSpan && KeepAliveTimeout < TimeSpan.FromSeconds(1)) yield return "Micro:Client:KeepAliveTimeout must be at least 1s";
        if (AttemptTimeout is { } attempt && attempt <= TimeSpan.Zero) yield return "Micro:Client:AttemptTimeout must be positive";
        if (MaxMetadataSize <= 0) yield return "Micro:Client:MaxMetadataSize must be positive";
    }
}
