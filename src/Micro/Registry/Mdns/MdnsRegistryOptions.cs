namespace Micro.Registry.Mdns;

/// <summary>Settings of the mDNS registry (Micro:Registry:Mdns, MICRO_REGISTRY_INTERFACES).</summary>
public sealed record MdnsRegistryOptions
{
    /// <summary>
    /// Interface names to use (e.g. ["eth1"]). Default: every up, multicast-capable, non-loopback IPv4
    /// interface; the loopback interface when that is all there is.
    /// </summary>
    public IReadOnlyList<string>? Interfaces { get; init; }

    /// <summary>UDP port; 5353 is what every mDNS peer listens on.</summary>
    public int Port { get; init; } = 5353;

    /// <summary>How long a first lookup of an unknown service waits for answers to its query.</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Record TTL when a registration gives none.</summary>
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromSeconds(30);
}
