using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Micro.Registry.Mdns.Protocol;

/// <summary>
/// Encodes and decodes DNS messages (RFC 1035) as mDNS uses them. Everything decoded came from the network,
/// so every step is bounded before it is done: the packet size (<see cref="MaxPacket"/>), the section counts
/// against the bytes left, name length (255), compression pointers (backwards only, at most 32 per name), each
/// record's data against its declared length. A packet that breaks any of these throws
/// <see cref="FormatException"/>, the only exception <see cref="Decode"/> throws; the registry counts and ignores it.
/// </summary>
internal static class DnsCodec
{
    /// <summary>
    /// The largest packet accepted. RFC 6762 §17 caps what a sender sends at 9000 bytes with headers; receivers
    /// accept a little more (jumbo frames, sloppy peers) and bound the work by the counts instead.
    /// </summary>
    public const int MaxPacket = 16 * 1024;

    private const int MaxNameLength = 255;
    private const int MaxPointerJumps = 32;
    private const int HeaderLength = 12;
    private const int MinQuestionLength = 5;  // root name, type, class
    private const int MinRecordLength = 11;   // root name, type, class, TTL, length

    /// <summary>Encodes a whole message with name compression (queries, tests).</summary>
    public static byte[] Encode(DnsMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = new Writer(compress: true);
        writer.U16(message.Id);
        writer.U16(message.IsResponse ? (ushort)0x8400 : (ushort)0); // QR + AA for responses
        writer.U16((ushort)message.Questions.Count);
        writer.U16((ushort)message.Answers.Count);
        writer.U16((ushort)message.Authorities.Count);
        writer.U16((ushort)message.Additionals.Count);
        foreach (var q in message.Questions) writer.Question(q);
        foreach (var r in message.Answers.Concat(message.Authorities).Concat(message.Additionals)) writer.Record(r);
        return writer.ToArray();
    }

    /// <summary>One record on its own, without compression, so it can be copied into any packet as is.</summary>
    public static byte[] EncodeRecord(DnsRecord record)
    {
        var writer = new Writer(compress: false);
        writer.Record(record);
        return writer.ToArray();
    }

    /// <summary>One question on its own, without compression (legacy unicast answers echo the questions).</summary>
    public static byte[] EncodeQuestion(DnsQuestion question)
    {
        var writer = new Writer(compress: false);
        writer.Question(question);
        return writer.ToArray();
    }

    /// <summary>Whether the header says response (QR set), read without decoding the rest; false for a packet too short to be DNS.</summary>
    public static bool IsResponse(ReadOnlySpan<byte> packet) => packet.Length >= HeaderLength && (packet[2] & 0x80) != 0;

    /// <summary>Decodes a packet from the network; throws <see cref="FormatException"/> when it is not valid DNS.</summary>
    public static DnsMessage Decode(ReadOnlySpan<byte> packet)
    {
        if (packet.Length > MaxPacket) throw new FormatException($"DNS packet longer than {MaxPacket} bytes");
        if (packet.Length < HeaderLength) throw new FormatException("DNS packet truncated");
        var reader = new Reader(packet);
        var id = reader.U16();
        var flags = reader.U16();
        int qd = reader.U16(), an = reader.U16(), ns = reader.U16(), ar = reader.U16();
        // Counts are bounded by the bytes that could hold them: no loop runs longer than the packet allows.
        if ((long)qd * MinQuestionLength + (long)(an + ns + ar) * MinRecordLength > packet.Length - HeaderLength)
            throw new FormatException("DNS section counts exceed the packet");
        var questions = new List<DnsQuestion>(qd);
        for (var i = 0; i < qd; i++)
        {
            var name = reader.Name();
            var type = (DnsType)reader.U16();
            var klass = reader.U16();
            questions.Add(new DnsQuestion(name, type, (klass & 0x8000) != 0));
        }
        return new DnsMessage
        {
            Id = id,
            IsResponse = (flags & 0x8000) != 0,
            Questions = questions,
            Answers = Records(ref reader, an),
            Authorities = Records(ref reader, ns),
            Additionals = Records(ref reader, ar),
        };
    }

    private static List<DnsRecord> Records(ref Reader reader, int count)
    {
        var records = new List<DnsRecord>(count);
        for (var i = 0; i < count; i++) records.Add(reader.Record());
        return records;
    }

    private ref struct Reader(ReadOnlySpan<byte> packet)
    {
        private readonly ReadOnlySpan<byte> _packet = packet;
        private int _at;
        // Names already decoded, by the offset they start at: 1,500 questions pointing at one name cost one string.
        private Dictionary<int, string>? _names;

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _at + count > _packet.Length) throw new FormatException("DNS packet truncated");
            var span = _packet.Slice(_at, count);
            _at += count;
            return span;
        }

        public ushort U16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        public string Name()
        {
            var start = _at;
            if (start >= _packet.Length) throw new FormatException("DNS name runs past the packet");
            // A name that is only a pointer is looked up by its target, the usual shape of repeats.
            var key = (_packet[start] & 0xC0) == 0xC0 && start + 1 < _packet.Length ? ((_packet[start] & 0x3F) << 8) | _packet[start + 1] : start;
            if (_names is not null && _names.TryGetValue(key, out var known) && key != start)
            {
                _at += 2;
                return known;
            }
            var name = ReadName(ref _at);
            (_names ??= [])[key] = name;
            return name;
        }

        private readonly string ReadName(ref int at)
        {
            var labels = new StringBuilder();
            var jumps = 0;
            var position = at;
            var jumped = false;
            while (true)
            {
                if (position >= _packet.Length) throw new FormatException("DNS name runs past the packet");
                var length = _packet[position];
                if (length == 0)
                {
                    position++;
                    break;
                }
                if ((length & 0xC0) == 0xC0)
                {
                    if (position + 1 >= _packet.Length) throw new FormatException("DNS pointer truncated");
                    if (++jumps > MaxPointerJumps) throw new FormatException("DNS compression pointers loop");
                    var target = ((length & 0x3F) << 8) | _packet[position + 1];
                    // Pointers only point backwards (RFC 1035 §4.1.4: to a prior occurrence), so they cannot loop.
                    if (target >= position) throw new FormatException("DNS compression pointer points forward");
                    if (!jumped) at = position + 2;
                    jumped = true;
                    position = target;
                    continue;
                }
                if ((length & 0xC0) != 0) throw new FormatException("unsupported DNS label type");
                if (position + 1 + length > _packet.Length) throw new FormatException("DNS label runs past the packet");
                if (labels.Length + length + 1 > MaxNameLength) throw new FormatException("DNS name too long");
                if (labels.Length > 0) labels.Append('.');
                labels.Append(Encoding.UTF8.GetString(_packet.Slice(position + 1, length)));
                position += 1 + length;
            }
            if (!jumped) at = position;
            return labels.ToString();
        }

        public DnsRecord Record()
        {
            var name = Name();
            var type = (DnsType)U16();
            var klass = U16();
            var ttl = U32();
            var length = U16();
            var end = _at + length;
            if (end > _packet.Length) throw new FormatException("DNS record data runs past the packet");
            var record = new DnsRecord(name, type, ttl, (klass & 0x8000) != 0);
            switch (type)
            {
                case DnsType.Ptr:
                    record = record with { Target = Name() };
                    break;
                case DnsType.Srv:
                    U16(); U16(); // priority, weight
                    var port = U16();
                    record = record with { Port = port, Host = Name() };
                    break;
                case DnsType.Txt:
                    var strings = new List<byte[]>();
                    while (_at < end)
                    {
                        var stringLength = _packet[_at++];
                        if (_at + stringLength > end) throw new FormatException("DNS TXT string runs past its record");
                        strings.Add(Take(stringLength).ToArray());
                    }
                    record = record with { Text = strings };
                    break;
                case DnsType.A when length == 4:
                case DnsType.Aaaa when length == 16:
                    record = record with { Address = new IPAddress(Take(length)) };
                    break;
                default:
                    record = record with { Raw = Take(length).ToArray() };
                    break;
            }
            if (_at != end) throw new FormatException($"DNS {type} record length mismatch");
            return record;
        }
    }

    private sealed class Writer(bool compress)
    {
        private byte[] _buffer = new byte[512];
        private int _length;
        private readonly Dictionary<string, int>? _names = compress ? new(StringComparer.OrdinalIgnoreCase) : null;

        public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

        private Span<byte> Grow(int count)
        {
            if (_length + count > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
            var span = _buffer.AsSpan(_length, count);
            _length += count;
            return span;
        }

        public void U8(byte value) => Grow(1)[0] = value;

        public void U16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Grow(2), value);

        public void U32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);

        /// <summary>Writes a name, pointing at an earlier copy of any suffix already written (when compressing).</summary>
        public void Name(string name)
        {
            var rest = name.TrimEnd('.');
            while (rest.Length > 0)
            {
                if (_names is not null && _names.TryGetValue(rest, out var offset))
                {
                    U16((ushort)(0xC000 | offset));
                    return;
                }
                if (_names is not null && _length < 0x3FFF) _names[rest] = _length;
                var dot = rest.IndexOf('.', StringComparison.Ordinal);
                var label = dot < 0 ? rest : rest[..dot];
                var bytes = Encoding.UTF8.GetBytes(label);
                if (bytes.Length is 0 or > 63) throw new ArgumentException($"DNS label '{label}' must be 1-63 bytes");
                U8((byte)bytes.Length);
                bytes.CopyTo(Grow(bytes.Length));
                rest = dot < 0 ? "" : rest[(dot + 1)..];
            }
            U8(0);
        }

        public void Question(DnsQuestion q)
        {
            Name(q.Name);
            U16((ushort)q.Type);
            U16((ushort)(1 | (q.UnicastResponse ? 0x8000 : 0)));
        }

        public void Record(DnsRecord r)
        {
            Name(r.Name);
            U16((ushort)r.Type);
            U16((ushort)(1 | (r.CacheFlush ? 0x8000 : 0)));
            U32(r.Ttl);
            var lengthAt = _length;
            U16(0);
            var start = _length;
            switch (r.Type)
            {
                case DnsType.Ptr:
                    Name(r.Target!);
                    break;
                case DnsType.Srv:
                    U16(0); U16(0); U16(r.Port);
                    Name(r.Host!);
                    break;
                case DnsType.Txt:
                    foreach (var s in r.Text ?? [])
                    {
                        if (s.Length > 255) throw new ArgumentException("a TXT string is at most 255 bytes");
                        U8((byte)s.Length);
                        s.CopyTo(Grow(s.Length));
                    }
                    if (r.Text is null or { Count: 0 }) U8(0); // RFC 6763 §6.1: never empty
                    break;
                case DnsType.A:
                case DnsType.Aaaa:
                    r.Address!.GetAddressBytes().CopyTo(Grow(r.Type == DnsType.A ? 4 : 16));
                    break;
                default:
                    (r.Raw ?? []).CopyTo(Grow(r.Raw?.Length ?? 0));
                    break;
            }
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(lengthAt, 2), (ushort)(_length - start));
        }
    }
}
