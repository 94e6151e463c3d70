using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Micro.Registry.Mdns;

/// <summary>
/// The multicast socket: bound to 0.0.0.0:5353 with address (and port) reuse so several processes share
/// the port, joined to 224.0.0.251 on each chosen interface, sending with IP TTL 255 from port 5353 as
/// RFC 6762 requires (avahi drops anything else). Sends go out on every chosen interface in turn.
/// </summary>
internal sealed class MdnsTransport : IDisposable
{
    public static readonly IPAddress Group = IPAddress.Parse("224.0.0.251");
    private const int SolSocket = 1, SoReusePort = 15; // Linux values; other systems fall back to SO_REUSEADDR only
    private readonly Socket _socket;
    private readonly IPEndPoint _groupEndPoint;
    private readonly object _sendGate = new();

    public MdnsTransport(MdnsRegistryOptions options)
    {
        Interfaces = ChooseInterfaces(options.Interfaces);
        if (Interfaces.Count == 0) throw new InvalidOperationException("mDNS: no usable network interface (need an up IPv4 interface)");
        _groupEndPoint = new IPEndPoint(Group, options.Port);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        if (OperatingSystem.IsLinux()) _socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        _socket.Bind(new IPEndPoint(IPAddress.Any, options.Port));
        _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
        _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
        _socket.Ttl = 255;
        foreach (var (_, address) in Interfaces)
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(Group, address));
    }

    /// <summary>The interfaces in use: name and IPv4 address.</summary>
    public IReadOnlyList<(string Name, IPAddress Address)> Interfaces { get; }

    /// <summary>Multicasts on every interface, and answers <paramref name="unicast"/> directly when given.</summary>
    public void Send(byte[] packet, IPEndPoint? unicast = null)
    {
        lock (_sendGate)
        {
            if (_disposed) return; // a packet being answered while the registry shuts down
            foreach (var (_, address) in Interfaces)
            {
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, address.GetAddressBytes());
                try { _socket.SendTo(packet, _groupEndPoint); }
                catch (SocketException) { /* interface went away; the next announcement tries again */ }
            }
            if (unicast is not null)
            {
                try { _socket.SendTo(packet, unicast); }
                catch (SocketException) { }
            }
        }
    }

    public async Task<(byte[] Packet, IPEndPoint From)> ReceiveAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken).ConfigureAwait(false);
        return (buffer.AsSpan(0, result.ReceivedBytes).ToArray(), (IPEndPoint)result.RemoteEndPoint);
    }

    private static List<(string, IPAddress)> ChooseInterfaces(IReadOnlyList<string>? names)
    {
        var all = NetworkInterface.GetAllNetworkInterfaces()
            .Select(n => (Interface: n, Address: n.GetIPProperties().UnicastAddresses
                .Select(a => a.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)))
            .Where(x => x.Address is not null)
            .ToList();
        if (names is { Count: > 0 })
            return all.Where(x => names.Contains(x.Interface.Name)).Select(x => (x.Interface.Name, x.Address!)).ToList();
        var external = all.Where(x => x.Interface.NetworkInterfaceType != NetworkInterfaceType.Loopback
                && x.Interface.OperationalStatus == OperationalStatus.Up && x.Interface.SupportsMulticast)
            .Select(x => (x.Interface.Name, x.Address!)).ToList();
        if (external.Count > 0) return external;
        return all.Where(x => x.Interface.NetworkInterfaceType == NetworkInterfaceType.Loopback).Select(x => (x.Interface.Name, x.Address!)).ToList();
    }

    private bool _disposed;

    public void Dispose()
    {
        lock (_sendGate)
        {
            _disposed = true;
            _socket.Dispose();
        }
    }
}
