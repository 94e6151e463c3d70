namespace Micro.Registry.Mdns.Protocol;

/// <summary>A question: name, type, and the RFC 6762 §5.4 "unicast response" (QU) bit.</summary>
internal sealed record DnsQuestion(string Name, DnsType Type, bool UnicastResponse = false);

/// <summary>A DNS message as mDNS uses it (no recursion).</summary>
internal sealed record DnsMessage
{
    public ushort Id { get; init; }
    public bool IsResponse { get; init; }
    public IReadOnlyList<DnsQuestion> Questions { get; init; } = [];
    public IReadOnlyList<DnsRecord> Answers { get; init; } = [];
    public IReadOnlyList<DnsRecord> Authorities { get; init; } = [];
    public IReadOnlyList<DnsRecord> Additionals { get; init; } = [];
}
