namespace Micro.Registry.Mdns;

/// <summary>Settings of the mDNS registry (Micro:Registry:*, MICRO_REGISTRY_INTERFACES).</summary>
public sealed class MdnsRegistryOptions
{
    /// <summary>
    /// Interface names to use (e.g. ["eth1"]). Default: every up, multicast-capable, non-loopback IPv4
    /// interface; the loopback interface when that is all there is.
    /// </summary>
    public IReadOnlyList<string>? Interfaces { get; set; }

    /// <summary>UDP port; 5353 is what every mDNS peer listens on.</summary>
    public int Port { get; set; } = 5353;

    /// <summary>How long a first lookup of an unknown service waits for answers to its query.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Record TTL when a registration gives none.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Received TTLs are capped to this, so a forged record cannot live for days.</summary>
    public TimeSpan MaxRecordTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Remote nodes kept at most; beyond it the least recently refreshed is evicted.</summary>
    public int MaxCachedNodes { get; set; } = 4096;

    /// <summary>Remote nodes of one service kept at most; new ones beyond it are ignored until some expire.</summary>
    public int MaxNodesPerService { get; set; } = 1024;

    /// <summary>How often interfaces are re-enumerated to notice address changes (sockets re-open on errors at once).</summary>
    public TimeSpan InterfaceCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a node stays after its goodbye. RFC 6762 §10.1 suggests 1 s; a shorter grace shows a clean
    /// stop sooner and still lets the node's re-announcement cancel a forged goodbye first.
    /// </summary>
    public TimeSpan GoodbyeGrace { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between queries for a service that is not there (backoff from 1 s, doubling).</summary>
    public TimeSpan MaxQueryBackoff { get; set; } = TimeSpan.FromSeconds(60);
}
