using System.Net;
using System.Net.Sockets;

namespace Micro.Registry.Mdns;

/// <summary>
/// The multicast socket for one set of interfaces: bound to 0.0.0.0:5353 with address (and port) reuse so
/// several processes share the port, joined to 224.0.0.251 on each interface, sending with IP TTL 255 from
/// port 5353 as RFC 6762 requires (avahi drops anything else). When interfaces change or the socket fails,
/// the registry replaces the whole transport (<see cref="MdnsInterfaceMonitor"/>).
/// </summary>
internal sealed class MdnsTransport : IDisposable
{
    public static readonly IPAddress Group = IPAddress.Parse("224.0.0.251");
    private const int SolSocket = 1, SoReusePort = 15; // Linux values; other systems fall back to SO_REUSEADDR only
    private readonly Socket _socket;
    // One-shot queries (RFC 6762 §5.1) leave from an ephemeral port: responders answer them by unicast at once,
    // to this process alone (port 5353 is shared by every mDNS process on the host).
    private readonly Socket _oneShot;
    private readonly IPEndPoint _groupEndPoint;
    private readonly Lock _sendGate = new();
    private bool _disposed;
    private int _sendFailures;

    public MdnsTransport(IReadOnlyList<MdnsInterface> interfaces, int port)
    {
        Interfaces = interfaces;
        if (Interfaces.Count == 0) throw new InvalidOperationException("mDNS: no usable network interface (need an up IPv4 interface)");
        _groupEndPoint = new IPEndPoint(Group, port);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _oneShot = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _oneShot.Bind(new IPEndPoint(IPAddress.Any, 0));
            _oneShot.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
            _oneShot.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (OperatingSystem.IsLinux()) _socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            _socket.Bind(new IPEndPoint(IPAddress.Any, port));
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
            _socket.Ttl = 255;
            foreach (var i in Interfaces)
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(Group, i.Address));
        }
        catch
        {
            _socket.Dispose();
            _oneShot.Dispose();
            throw;
        }
    }

    /// <summary>The interfaces in use.</summary>
    public IReadOnlyList<MdnsInterface> Interfaces { get; }

    /// <summary>The smallest packet limit of the interfaces: a multicast goes out on each of them.</summary>
    public int MaxPacket => Interfaces.Min(i => i.MaxPacket);

    /// <summary>Sends that failed (an interface went away); a growing count makes the monitor re-open.</summary>
    public int SendFailures => Volatile.Read(ref _sendFailures);

    /// <summary>Multicasts each packet on every interface.</summary>
    public void Multicast(IReadOnlyList<byte[]> packets) => Multicast(_socket, packets);

    /// <summary>Multicasts a query from the one-shot socket; answers arrive through <see cref="ReceiveOneShotAsync"/>.</summary>
    public void MulticastOneShot(byte[] packet) => Multicast(_oneShot, [packet]);

    private void Multicast(Socket socket, IReadOnlyList<byte[]> packets)
    {
        lock (_sendGate)
        {
            if (_disposed) return; // a packet being answered while the registry shuts down or re-opens
            foreach (var i in Interfaces)
            {
                try
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, i.Address.GetAddressBytes());
                    foreach (var packet in packets) socket.SendTo(packet, _groupEndPoint);
                }
                catch (SocketException) { _sendFailures++; }
            }
        }
    }

    /// <summary>Sends packets to one querier directly.</summary>
    public void Unicast(IReadOnlyList<byte[]> packets, IPEndPoint to)
    {
        lock (_sendGate)
        {
            if (_disposed) return;
            try
            {
                foreach (var packet in packets) _socket.SendTo(packet, to);
            }
            catch (SocketException) { _sendFailures++; }
        }
    }

    /// <summary>The next packet on port 5353.</summary>
    public ValueTask<(int Length, IPEndPoint From)> ReceiveAsync(byte[] buffer, CancellationToken cancellationToken) => ReceiveAsync(_socket, buffer, cancellationToken);

    /// <summary>The next answer to a one-shot query.</summary>
    public ValueTask<(int Length, IPEndPoint From)> ReceiveOneShotAsync(byte[] buffer, CancellationToken cancellationToken) => ReceiveAsync(_oneShot, buffer, cancellationToken);

    private static async ValueTask<(int Length, IPEndPoint From)> ReceiveAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken).ConfigureAwait(false);
        return (result.ReceivedBytes, (IPEndPoint)result.RemoteEndPoint);
    }

    /// <summary>The interface whose subnet holds <paramref name="source"/>; null when the source is off-link.</summary>
    public MdnsInterface? OnLink(IPAddress source) => Interfaces.FirstOrDefault(i => i.OnLink(source));

    public void Dispose()
    {
        lock (_sendGate)
        {
            _disposed = true;
            _socket.Dispose();
            _oneShot.Dispose();
        }
    }
}
