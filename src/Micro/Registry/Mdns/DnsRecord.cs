namespace Micro.Registry.Mdns;

/// <summary>DNS record types mDNS / DNS-SD uses.</summary>
public enum DnsType : ushort
{
    A = 1,
    Ptr = 12,
    Txt = 16,
    Aaaa = 28,
    Srv = 33,
    Any = 255,
}

/// <summary>A question: name, type, and the RFC 6762 "unicast response" bit.</summary>
public sealed record DnsQuestion(string Name, DnsType Type, bool UnicastResponse = false);

/// <summary>
/// A resource record with its data decoded for the types Micro uses; other types keep raw bytes.
/// <see cref="CacheFlush"/> marks a unique record (RFC 6762 §10.2).
/// </summary>
public sealed record DnsRecord(string Name, DnsType Type, uint Ttl, bool CacheFlush = false)
{
    /// <summary>PTR target.</summary>
    public string? Target { get; init; }

    /// <summary>SRV target host, port.</summary>
    public string? Host { get; init; }
    public ushort Port { get; init; }

    /// <summary>TXT strings (each at most 255 bytes on the wire).</summary>
    public IReadOnlyList<byte[]>? Text { get; init; }

    /// <summary>A / AAAA address.</summary>
    public System.Net.IPAddress? Address { get; init; }

    /// <summary>Data of a record type Micro does not interpret.</summary>
    public byte[]? Raw { get; init; }
}

/// <summary>A DNS message as mDNS uses it (no recursion, no compression pointers into questions beyond RFC 1035).</summary>
public sealed record DnsMessage
{
    public ushort Id { get; init; }
    public bool IsResponse { get; init; }
    public IReadOnlyList<DnsQuestion> Questions { get; init; } = [];
    public IReadOnlyList<DnsRecord> Answers { get; init; } = [];
    public IReadOnlyList<DnsRecord> Authorities { get; init; } = [];
    public IReadOnlyList<DnsRecord> Additionals { get; init; } = [];
}
