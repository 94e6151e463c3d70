using System.Buffers.Binary;

namespace Micro.Registry.Mdns.Protocol;

/// <summary>
/// Builds responses from pre-encoded records and splits them so no packet exceeds the size it is given
/// (the interface MTU less IP and UDP headers): no IP fragmentation (RFC 6762 §17). Answers go first;
/// additionals fill what room is left, and spill into later packets.
/// </summary>
internal static class DnsPacketWriter
{
    private const int HeaderLength = 12;

    /// <summary>Packets holding every answer and additional, each at most <paramref name="maxLength"/> bytes.</summary>
    public static List<byte[]> Responses(
        IReadOnlyList<byte[]> answers, IReadOnlyList<byte[]> additionals, int maxLength,
        ushort id = 0, IReadOnlyList<byte[]>? questions = null)
    {
        var packets = new List<byte[]>();
        var questionBytes = questions?.Sum(q => q.Length) ?? 0;
        var buffer = new byte[Math.Max(maxLength, HeaderLength + questionBytes)];
        int length = 0, answerCount = 0, additionalCount = 0;

        void Start()
        {
            length = HeaderLength;
            answerCount = additionalCount = 0;
            foreach (var q in questions ?? []) { q.CopyTo(buffer, length); length += q.Length; }
        }

        void Flush()
        {
            if (answerCount + additionalCount == 0) return;
            var header = buffer.AsSpan(0, HeaderLength);
            BinaryPrimitives.WriteUInt16BigEndian(header, id);
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], 0x8400); // QR + AA
            BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)(questions?.Count ?? 0));
            BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)answerCount);
            BinaryPrimitives.WriteUInt16BigEndian(header[8..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], (ushort)additionalCount);
            packets.Add(buffer.AsSpan(0, length).ToArray());
            Start();
        }

        void Add(byte[] record, ref int count)
        {
            if (length + record.Length > buffer.Length) Flush();
            // A record too large for any packet is a bug on our side (MdnsServiceText bounds the TXT): skip it.
            if (length + record.Length > buffer.Length) return;
            record.CopyTo(buffer, length);
            length += record.Length;
            count++;
        }

        Start();
        foreach (var a in answers) Add(a, ref answerCount);
        foreach (var a in additionals) Add(a, ref additionalCount);
        Flush();
        return packets;
    }
}
