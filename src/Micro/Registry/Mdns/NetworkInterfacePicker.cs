using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Micro.Registry.Mdns;

/// <summary>An IPv4 interface mDNS uses: its name, address, subnet (for the on-link check) and usable packet size.</summary>
internal sealed record MdnsInterface(string Name, IPAddress Address, int PrefixLength, int Mtu)
{
    /// <summary>The largest mDNS payload: the MTU less IPv4 (20) and UDP (8) headers.</summary>
    public int MaxPacket => Mtu - 28;

    /// <summary>True when <paramref name="source"/> is on this interface's subnet (RFC 6762 §11).</summary>
    public bool OnLink(IPAddress source)
    {
        if (source.AddressFamily != AddressFamily.InterNetwork) return false;
        Span<byte> a = stackalloc byte[4], b = stackalloc byte[4];
        Address.TryWriteBytes(a, out _);
        source.TryWriteBytes(b, out _);
        var mask = PrefixLength == 0 ? 0u : uint.MaxValue << (32 - PrefixLength);
        return (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(a) & mask) == (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b) & mask);
    }
}

/// <summary>
/// The one place that decides which interfaces mDNS (and the address a node advertises) use: the named
/// ones when configured; else every up, multicast-capable, non-loopback IPv4 interface; else loopback.
/// Call it from the network namespace the registry lives in (<see cref="NetworkNamespaceScope"/>).
/// </summary>
internal static class NetworkInterfacePicker
{
    private const int DefaultMtu = 1500;
    private const int MaxMtu = 9000;

    /// <summary>The address a wildcard listener advertises: the first one mDNS announces on, so peers can reach it.</summary>
    public static IPAddress? Advertised(IReadOnlyList<string>? names) => Pick(names).Select(i => i.Address).FirstOrDefault();

    public static IReadOnlyList<MdnsInterface> Pick(IReadOnlyList<string>? names)
    {
        var all = new List<(NetworkInterface Interface, MdnsInterface Mdns)>();
        foreach (var n in NetworkInterface.GetAllNetworkInterfaces())
        {
            var properties = n.GetIPProperties();
            var unicast = properties.UnicastAddresses.FirstOrDefault(a => a.Address.AddressFamily == AddressFamily.InterNetwork);
            if (unicast is null) continue;
            all.Add((n, new MdnsInterface(n.Name, unicast.Address, unicast.PrefixLength, Mtu(properties))));
        }
        if (names is { Count: > 0 })
            return all.Where(x => names.Contains(x.Interface.Name)).Select(x => x.Mdns).ToList();
        var external = all.Where(x => x.Interface.NetworkInterfaceType != NetworkInterfaceType.Loopback
                && x.Interface.OperationalStatus == OperationalStatus.Up && x.Interface.SupportsMulticast)
            .Select(x => x.Mdns).ToList();
        if (external.Count > 0) return external;
        return all.Where(x => x.Interface.NetworkInterfaceType == NetworkInterfaceType.Loopback).Select(x => x.Mdns).ToList();
    }

    // Loopback's 64 KB MTU is real but pointless for mDNS; RFC 6762 §17 caps packets at 9000 bytes.
    private static int Mtu(IPInterfaceProperties properties)
    {
        try
        {
            var mtu = properties.GetIPv4Properties().Mtu;
            return mtu <= 0 ? DefaultMtu : Math.Clamp(mtu, 576, MaxMtu);
        }
        catch (NetworkInformationException)
        {
            return DefaultMtu;
        }
        catch (PlatformNotSupportedException)
        {
            return DefaultMtu;
        }
    }
}
