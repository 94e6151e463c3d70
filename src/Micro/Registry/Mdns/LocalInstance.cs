using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Micro.Registry.Mdns.Protocol;

namespace Micro.Registry.Mdns;

/// <summary>
/// One node this process registered, as DNS-SD records encoded once per change (RFC 6763 §12.1: PTR answers,
/// SRV, TXT and A as additionals). A node whose address is a wildcard, or one of the interfaces' addresses,
/// follows the interfaces: it advertises the current interface address, so an address change re-announces it.
/// </summary>
internal sealed class LocalInstance
{
    public const string ServiceType = "_micro._tcp.local";

    private LocalInstance(string instance, ServiceInfo registered, ServiceInfo advertised, uint ttl, bool followsInterfaces, IReadOnlyList<IPAddress> addresses)
    {
        Instance = instance;
        Registered = registered;
        Advertised = advertised;
        Ttl = ttl;
        FollowsInterfaces = followsInterfaces;
        var host = instance[..instance.IndexOf('.', StringComparison.Ordinal)] + ".local";
        Host = host;
        var port = Port(registered.Nodes[0].Address);
        Ptr = new EncodedRecord(new DnsRecord(ServiceType, DnsType.Ptr, ttl) { Target = instance });
        Srv = new EncodedRecord(new DnsRecord(instance, DnsType.Srv, ttl, CacheFlush: true) { Host = host, Port = port });
        Txt = new EncodedRecord(new DnsRecord(instance, DnsType.Txt, ttl, CacheFlush: true) { Text = MdnsServiceText.Encode(advertised) });
        Addresses = addresses.Select(a => new EncodedRecord(new DnsRecord(host, a.AddressFamily == AddressFamily.InterNetworkV6 ? DnsType.Aaaa : DnsType.A, ttl, CacheFlush: true) { Address = a })).ToList();
    }

    /// <summary>The DNS-SD instance name, <c>{node}._micro._tcp.local</c>.</summary>
    public string Instance { get; }

    /// <summary>The host name in SRV and A, <c>{node}.local</c>.</summary>
    public string Host { get; }

    /// <summary>The record as the node registered it (one node).</summary>
    public ServiceInfo Registered { get; }

    /// <summary>The record as announced: the node address is one mDNS announces on.</summary>
    public ServiceInfo Advertised { get; }

    public uint Ttl { get; }

    public bool FollowsInterfaces { get; }

    public EncodedRecord Ptr { get; }

    public EncodedRecord Srv { get; }

    public EncodedRecord Txt { get; }

    public IReadOnlyList<EncodedRecord> Addresses { get; }

    /// <summary>The records that answer for the instance itself and ride along as additionals.</summary>
    public IEnumerable<EncodedRecord> Unique
    {
        get
        {
            yield return Srv;
            yield return Txt;
            foreach (var a in Addresses) yield return a;
        }
    }

    /// <summary>Timestamp of the last full announcement (refreshes happen when half the TTL has passed).</summary>
    public long LastAnnounced;

    /// <summary>Timestamp of the last defence against a goodbye or conflict (limits how often an attacker can make us send).</summary>
    public long LastDefended;

    public static LocalInstance Create(ServiceInfo single, uint ttl, IReadOnlyList<MdnsInterface> interfaces, LocalInstance? previous)
    {
        var node = single.Nodes[0];
        var ip = Ip(node.Address);
        // Follows the interfaces when the address names none (wildcard) or one of them; keeps following while
        // the node re-registers the address it started with, even after the interface's address changed.
        var follows = ip is not null && (ip.Equals(IPAddress.Any) || interfaces.Any(i => i.Address.Equals(ip))
            || (previous is { FollowsInterfaces: true } && previous.Registered.Nodes[0].Address == node.Address));
        var advertised = single;
        // A host name (not an IP) is advertised as given; A records then name the interfaces.
        IReadOnlyList<IPAddress> addresses = ip is null ? interfaces.Select(i => i.Address).Distinct().ToList() : [ip];
        if (follows && interfaces.Count > 0)
        {
            var first = interfaces[0].Address;
            advertised = single with { Nodes = [node with { Address = first + ":" + Port(node.Address) }] };
            addresses = interfaces.Select(i => i.Address).Distinct().ToList();
        }
        return new LocalInstance(InstanceName(node.Id), single, advertised, ttl, follows, addresses);
    }

    /// <summary>True when <paramref name="single"/> with <paramref name="ttl"/> would announce exactly these records.</summary>
    public bool Same(ServiceInfo single, uint ttl, IReadOnlyList<MdnsInterface> interfaces) =>
        ttl == Ttl && RegistryRecords.Same(single, Registered) && (!FollowsInterfaces || SameAddresses(interfaces));

    private bool SameAddresses(IReadOnlyList<MdnsInterface> interfaces) =>
        interfaces.Count > 0 && Advertised.Nodes[0].Address.StartsWith(interfaces[0].Address + ":", StringComparison.Ordinal)
        && Addresses.Select(a => a.Record.Address).SequenceEqual(interfaces.Select(i => i.Address).Distinct());

    /// <summary>The same records with TTL 0.</summary>
    public IReadOnlyList<byte[]> GoodbyeAnswers() => [DnsCodec.EncodeRecord(Ptr.Record with { Ttl = 0 })];

    /// <summary>The unique records with TTL 0.</summary>
    public IReadOnlyList<byte[]> GoodbyeAdditionals() => Unique.Select(r => DnsCodec.EncodeRecord(r.Record with { Ttl = 0 })).ToList();

    public static string InstanceName(string nodeId)
    {
        var label = nodeId.Replace('.', '-');
        if (Encoding.UTF8.GetByteCount(label) > 63)
            label = label[..40] + "-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(nodeId)))[..16];
        return label + "." + ServiceType;
    }

    private static ushort Port(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && ushort.TryParse(address.AsSpan(colon + 1), out var p) ? p : (ushort)0;
    }

    private static IPAddress? Ip(string address)
    {
        var colon = address.LastIndexOf(':');
        var host = colon > 0 ? address[..colon].Trim('[', ']') : address;
        return IPAddress.TryParse(host, out var ip) ? ip : null;
    }
}
