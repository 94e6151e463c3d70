using System.Net;

namespace Micro.Registry.Mdns.Protocol;

/// <summary>
/// A resource record with its data decoded for the types Micro uses; other types keep raw bytes.
/// <see cref="CacheFlush"/> marks a unique record (RFC 6762 §10.2).
/// </summary>
internal sealed record DnsRecord(string Name, DnsType Type, uint Ttl, bool CacheFlush = false)
{
    /// <summary>PTR target.</summary>
    public string? Target { get; init; }

    /// <summary>SRV target host.</summary>
    public string? Host { get; init; }

    /// <summary>SRV port.</summary>
    public ushort Port { get; init; }

    /// <summary>TXT strings (each at most 255 bytes on the wire).</summary>
    public IReadOnlyList<byte[]>? Text { get; init; }

    /// <summary>A / AAAA address.</summary>
    public IPAddress? Address { get; init; }

    /// <summary>Data of a record type Micro does not interpret.</summary>
    public byte[]? Raw { get; init; }
}
