namespace Micro.Registry;

/// <summary>
/// Settings of the registry piece (<c>Micro:Registry:*</c>, <c>MICRO_REGISTRY_*</c>): which implementation
/// (<c>MICRO_REGISTRY=mdns|memory|etcd</c>), where a networked one is, and the mDNS limits that keep a hostile
/// network from costing more than they allow.
/// </summary>
public sealed class RegistryOptions : IPluginOptions
{
    /// <summary>The implementation: mdns (default), memory, or a plug-in such as etcd (<c>MICRO_REGISTRY</c>).</summary>
    public string? Plugin { get; set; }

    /// <summary>Where a networked registry is, e.g. etcd's host:port list (<c>MICRO_REGISTRY_ADDRESS</c>); mDNS needs none.</summary>
    public string? Address { get; set; }

    /// <summary>Key prefix for registries that store keys (etcd): every key starts with it.</summary>
    public string Prefix { get; set; } = "/micro/";

    /// <summary>
    /// mDNS: interface names to use (<c>MICRO_REGISTRY_INTERFACES=eth1,eth2</c>). Default: every up, multicast-capable,
    /// non-loopback IPv4 interface; the loopback interface when that is all there is.
    /// </summary>
    public IReadOnlyList<string>? Interfaces { get; set; }

    /// <summary>mDNS: UDP port; 5353 is what every mDNS peer listens on.</summary>
    public int Port { get; set; } = 5353;

    /// <summary>mDNS: how long a first lookup of an unknown service waits for answers to its query.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// mDNS: after the first answer to a lookup of an unknown service, how long more answers are collected before it
    /// returns: other nodes answer a multicast query within 20-120 ms (RFC 6762 §6), and a caller that takes the
    /// first node as the whole list (a publisher listing a topic's subscriber groups) would miss them.
    /// </summary>
    public TimeSpan QuerySettle { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>mDNS: record TTL when a registration gives none.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>mDNS: received TTLs are capped to this, so a forged record cannot live for days.</summary>
    public TimeSpan MaxRecordTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>mDNS: remote nodes kept at most; beyond it the least recently refreshed is evicted.</summary>
    public int MaxCachedNodes { get; set; } = 4096;

    /// <summary>mDNS: remote nodes of one service kept at most; new ones beyond it are ignored until some expire.</summary>
    public int MaxNodesPerService { get; set; } = 1024;

    /// <summary>mDNS: how often interfaces are re-enumerated to notice address changes (sockets re-open on errors at once).</summary>
    public TimeSpan InterfaceCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// mDNS: how long a node stays after its goodbye. RFC 6762 §10.1 suggests 1 s; a shorter grace shows a clean
    /// stop sooner and still lets the node's re-announcement cancel a forged goodbye first.
    /// </summary>
    public TimeSpan GoodbyeGrace { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>mDNS: longest wait between queries for a service that is not there (backoff from 1 s, doubling).</summary>
    public TimeSpan MaxQueryBackoff { get; set; } = TimeSpan.FromSeconds(60);

    void IMicroOptions.Read(MicroSettings settings)
    {
        Plugin = settings.Plugin ?? Plugin;
        Address = settings.String(nameof(Address)) ?? Address;
        Prefix = settings.String(nameof(Prefix)) ?? Prefix;
        Interfaces = settings.List(nameof(Interfaces)) ?? Interfaces;
        Port = settings.Int32(nameof(Port)) ?? Port;
        QueryTimeout = settings.Duration(nameof(QueryTimeout)) ?? QueryTimeout;
        QuerySettle = settings.Duration(nameof(QuerySettle)) ?? QuerySettle;
        DefaultTtl = settings.Duration(nameof(DefaultTtl)) ?? DefaultTtl;
        MaxRecordTtl = settings.Duration(nameof(MaxRecordTtl)) ?? MaxRecordTtl;
        MaxCachedNodes = settings.Int32(nameof(MaxCachedNodes)) ?? MaxCachedNodes;
        MaxNodesPerService = settings.Int32(nameof(MaxNodesPerService)) ?? MaxNodesPerService;
        InterfaceCheckInterval = settings.Duration(nameof(InterfaceCheckInterval)) ?? InterfaceCheckInterval;
        GoodbyeGrace = settings.Duration(nameof(GoodbyeGrace)) ?? GoodbyeGrace;
        MaxQueryBackoff = settings.Duration(nameof(MaxQueryBackoff)) ?? MaxQueryBackoff;
    }

    IEnumerable<string> IMicroOptions.Validate()
    {
        if (Port is < 1 or > 65535) yield return $"{MicroSettings.Describe("Registry", nameof(Port))} must be 1-65535";
        foreach (var (name, value) in new[] { (nameof(QueryTimeout), QueryTimeout), (nameof(DefaultTtl), DefaultTtl), (nameof(MaxRecordTtl), MaxRecordTtl), (nameof(InterfaceCheckInterval), InterfaceCheckInterval), (nameof(MaxQueryBackoff), MaxQueryBackoff) })
            if (value <= TimeSpan.Zero) yield return $"{MicroSettings.Describe("Registry", name)} must be positive";
        if (QuerySettle < TimeSpan.Zero) yield return $"{MicroSettings.Describe("Registry", nameof(QuerySettle))} cannot be negative";
        if (GoodbyeGrace < TimeSpan.Zero) yield return $"{MicroSettings.Describe("Registry", nameof(GoodbyeGrace))} cannot be negative";
        if (MaxCachedNodes < 1) yield return $"{MicroSettings.Describe("Registry", nameof(MaxCachedNodes))} must be at least 1";
        if (MaxNodesPerService < 1) yield return $"{MicroSettings.Describe("Registry", nameof(MaxNodesPerService))} must be at least 1";
    }
}
