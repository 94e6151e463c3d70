using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Micro.Registry.Mdns;
using Micro.Registry.Mdns.Protocol;

namespace Micro.Tests.Registry.Mdns;

/// <summary>Packets an attacker on the link would send: built once, shared by the hostile-packet tests, the fuzzer and the benchmark.</summary>
internal static class HostilePackets
{
    private const string ServiceType = "_micro._tcp.local";

    /// <summary>Brotli of <paramref name="size"/> zero bytes, streamed (never holds the inflated bytes).</summary>
    public static byte[] CompressedZeros(long size, int window = 16, int quality = 5)
    {
        using var encoder = new BrotliEncoder(quality: quality, window: window);
        var zeros = new byte[1 << 20];
        var output = new MemoryStream();
        var buffer = new byte[1 << 16];
        for (long done = 0; done < size; done += zeros.Length)
        {
            var input = zeros.AsSpan(0, (int)Math.Min(zeros.Length, size - done));
            while (input.Length > 0)
            {
                encoder.Compress(input, buffer, out var consumed, out var written, isFinalBlock: false);
                output.Write(buffer, 0, written);
                input = input[consumed..];
            }
        }
        OperationStatus status;
        do
        {
            status = encoder.Compress(ReadOnlySpan<byte>.Empty, buffer, out _, out var written, isFinalBlock: true);
            output.Write(buffer, 0, written);
        } while (status == OperationStatus.DestinationTooSmall);
        return output.ToArray();
    }

    /// <summary>TXT strings in Micro's format whose record inflates to <paramref name="compressed"/>'s size.</summary>
    public static List<byte[]> BombText(byte[] compressed, string node)
    {
        var payload = Convert.ToBase64String(compressed);
        var strings = new List<byte[]> { Encoding.UTF8.GetBytes("service=bomb"), Encoding.UTF8.GetBytes("node=" + node) };
        for (int i = 0, at = 0; at < payload.Length; i++, at += 240)
            strings.Add(Encoding.ASCII.GetBytes($"r{i}=" + payload.Substring(at, Math.Min(240, payload.Length - at))));
        return strings;
    }

    /// <summary>An announcement of <paramref name="instance"/> carrying <paramref name="text"/>.</summary>
    public static byte[] Announcement(string instance, IReadOnlyList<byte[]> text, uint ttl = 120) => DnsCodec.Encode(new DnsMessage
    {
        IsResponse = true,
        Answers = [new DnsRecord(ServiceType, DnsType.Ptr, ttl) { Target = instance }],
        Additionals = [new DnsRecord(instance, DnsType.Txt, ttl, CacheFlush: true) { Text = text }],
    });

    /// <summary>A goodbye (TTL 0) for someone else's instance.</summary>
    public static byte[] Goodbye(string instance) => DnsCodec.Encode(new DnsMessage
    {
        IsResponse = true,
        Answers = [new DnsRecord(ServiceType, DnsType.Ptr, 0) { Target = instance }],
        Additionals = [new DnsRecord(instance, DnsType.Txt, 0, CacheFlush: true) { Text = [Encoding.ASCII.GetBytes("x=y")] }],
    });

    /// <summary>One query asking for Micro nodes <paramref name="count"/> times (repeats point at the first name).</summary>
    public static byte[] RepeatedQuestions(int count)
    {
        var first = DnsCodec.Encode(new DnsMessage { Questions = [new DnsQuestion(ServiceType, DnsType.Ptr)] });
        var packet = new byte[first.Length + (count - 1) * 6];
        first.CopyTo(packet, 0);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)count);
        for (var i = 1; i < count; i++)
        {
            var at = first.Length + (i - 1) * 6;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at), 0xC000 | 12); // pointer to the first name
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at + 2), (ushort)DnsType.Ptr);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at + 4), 1);
        }
        return packet;
    }

    /// <summary>A query for Micro nodes with a given id (legacy queriers check it comes back).</summary>
    public static byte[] Query(ushort id = 0) => DnsCodec.Encode(new DnsMessage { Id = id, Questions = [new DnsQuestion(ServiceType, DnsType.Ptr)] });

    /// <summary>Malformed packets of many shapes: random bytes, truncations and corruptions of valid ones, pointer loops, lying counts.</summary>
    public static byte[] Malformed(Random random, IReadOnlyList<byte[]> valid)
    {
        var source = valid[random.Next(valid.Count)];
        switch (random.Next(5))
        {
            case 0:
                var noise = new byte[random.Next(0, 1400)];
                random.NextBytes(noise);
                return noise;
            case 1:
                return source.AsSpan(0, random.Next(0, source.Length)).ToArray();
            case 2:
                var loop = (byte[])source.Clone();
                if (loop.Length > 14) { loop[12] = 0xC0; loop[13] = 12; } // a name pointing at itself
                return loop;
            case 3:
                var lying = (byte[])source.Clone();
                if (lying.Length >= 12) BinaryPrimitives.WriteUInt16BigEndian(lying.AsSpan(4 + 2 * random.Next(4)), (ushort)random.Next(100, 65536));
                return lying;
            default:
                return Mutate(random, source);
        }
    }

    /// <summary>A few random byte flips, insertions or deletions.</summary>
    public static byte[] Mutate(Random random, byte[] source)
    {
        var bytes = new List<byte>(source);
        for (var edits = random.Next(1, 4); edits > 0; edits--)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(10))
            {
                case 0 when bytes.Count > 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.Insert(at, (byte)random.Next(256)); break;
                case 2 when bytes.Count > 0: bytes.RemoveAt(at); break;
                default: if (bytes.Count > 0) bytes[at] ^= (byte)(1 << random.Next(8)); break;
            }
        }
        return [.. bytes];
    }

    /// <summary>A raw UDP socket in <paramref name="ns"/>: port 5353 shared with any registry there (joined to the group) unless <paramref name="bind"/> says otherwise.</summary>
    public static Socket Socket(NetworkNamespace ns, IPAddress address, IPEndPoint? bind = null, bool loopback = true) => ns.Run(() =>
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        s.SetRawSocketOption(1, 15, BitConverter.GetBytes(1)); // SO_REUSEPORT: share 5353 with the registries
        s.Bind(bind ?? new IPEndPoint(IPAddress.Any, 5353));
        s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
        s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, loopback);
        s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, address.GetAddressBytes());
        s.Ttl = 255;
        if (bind is null) s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(MdnsTransport.Group, address));
        return s;
    });

    /// <summary>Packets arriving at <paramref name="socket"/> from <paramref name="from"/> during <paramref name="window"/>.</summary>
    public static Task<List<byte[]>> Collect(Socket socket, IPAddress from, TimeSpan window, bool stopAtFirst = false) => Task.Run(async () =>
    {
        var packets = new List<byte[]>();
        var buffer = new byte[65536];
        using var timeout = new CancellationTokenSource(window);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
                if (!((IPEndPoint)result.RemoteEndPoint).Address.Equals(from)) continue;
                packets.Add(buffer.AsSpan(0, result.ReceivedBytes).ToArray());
                if (stopAtFirst) break;
            }
        }
        catch (OperationCanceledException) { }
        return packets;
    });

}
