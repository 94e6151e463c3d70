using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Micro.Errors;

namespace Micro.Broker.Http;

/// <summary>
/// The HTTP broker's binary framing, used for the outbox rows and on the wire (little-endian, length-prefixed).
/// Message: topic (u16 len + UTF-8), header count (u16), headers (u16 key, u32 value), body (u32 len).
/// Every length is checked against what is left before anything is allocated: the bytes come from the network.
/// </summary>
internal static class WireFormat
{
    public const int MaxHeaders = 256;

    public static void WriteMessage(IBufferWriter<byte> output, BrokerMessage message)
    {
        WriteString16(output, message.Topic);
        WriteUInt16(output, checked((ushort)message.Headers.Count));
        foreach (var (key, value) in message.Headers)
        {
            WriteString16(output, key);
            WriteString32(output, value);
        }
        WriteUInt32(output, (uint)message.Body.Length);
        output.Write(message.Body.Span);
    }

    public static byte[] EncodeMessage(BrokerMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + message.Body.Length);
        WriteMessage(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    public static BrokerMessage DecodeMessage(ReadOnlyMemory<byte> bytes, int maxBody)
    {
        var reader = new Reader(bytes);
        return reader.Message(maxBody);
    }

    public static void WriteUInt16(IBufferWriter<byte> output, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(output.GetSpan(2), value);
        output.Advance(2);
    }

    public static void WriteUInt32(IBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    public static void WriteInt64(IBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    public static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public static void WriteString16(IBufferWriter<byte> output, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue) throw new ArgumentException("string too long for the broker's framing");
        WriteUInt16(output, (ushort)length);
        Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(length);
    }

    public static void WriteString32(IBufferWriter<byte> output, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteUInt32(output, (uint)length);
        Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(length);
    }

    public static MicroException Malformed(string what) => MicroException.BadRequest(ErrorCodes.MalformedPayload, "malformed broker frame: " + what);

    /// <summary>Reads a frame without trusting any length in it.</summary>
    internal struct Reader(ReadOnlyMemory<byte> bytes)
    {
        private readonly ReadOnlyMemory<byte> _bytes = bytes;
        private int _position;

        public readonly int Remaining => _bytes.Length - _position;

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > Remaining) throw Malformed("length past the end");
            var span = _bytes.Span.Slice(_position, count);
            _position += count;
            return span;
        }

        public byte Byte() => Take(1)[0];
        public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public string String16() => Encoding.UTF8.GetString(Take(UInt16()));

        public string String32()
        {
            var length = UInt32();
            if (length > (uint)Remaining) throw Malformed("string past the end");
            return Encoding.UTF8.GetString(Take((int)length));
        }

        public BrokerMessage Message(int maxBody)
        {
            var topic = String16();
            if (!TopicName.IsValid(topic)) throw Malformed("illegal topic");
            var count = UInt16();
            if (count > MaxHeaders) throw Malformed($"more than {MaxHeaders} headers");
            var headers = new Dictionary<string, string>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++) headers[String16()] = String32();
            var length = UInt32();
            if (length > (uint)maxBody || length > (uint)Remaining) throw Malformed("body too long");
            var body = _bytes.Slice(_position, (int)length);
            _position += (int)length;
            return new BrokerMessage(topic, body, headers);
        }
    }
}
