namespace Micro.Server;

/// <summary>How a Micro service listens and stays registered. Bound from <c>Micro:Server</c> / <c>MICRO_SERVER_*</c>.</summary>
public sealed record ServerOptions
{
    /// <summary>
    /// host:port to listen on; port 0 picks a free one. <c>--address</c> or MICRO_SERVER_ADDRESS. When not set:
    /// 127.0.0.1 with the in-process registry (MICRO_REGISTRY=memory), else every interface (0.0.0.0), with the
    /// first non-loopback IPv4 address advertised.
    /// </summary>
    public string Address { get; init; } = "127.0.0.1:0";

    /// <summary>host:port put in the registry when it differs from the listen address (e.g. behind NAT, or listening on 0.0.0.0).</summary>
    public string? Advertise { get; init; }

    public string Version { get; init; } = "latest";

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Largest request or response message accepted, in bytes (4 MiB, as gRPC's default).</summary>
    public int MaxMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>How long the registry keeps this node without a refresh.</summary>
    public TimeSpan RegisterTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the node re-registers; well inside <see cref="RegisterTtl"/>.</summary>
    public TimeSpan RegisterInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>On shutdown, how long in-flight calls may take to finish before they are cut off.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);
}
