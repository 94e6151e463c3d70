using System.Buffers;

namespace Micro.Broker.Http;

/// <summary>One message in a delivery request: which outbox row it is, for which group, which attempt.</summary>
internal readonly record struct DeliveryItem(long Seq, string Group, int Attempt, BrokerMessage Message);

/// <summary>A subscriber's answer for one item.</summary>
internal readonly record struct DeliveryReply(long Seq, DeliveryOutcome Outcome, bool NotSubscribed = false);

/// <summary>
/// Delivery requests and replies on the wire. Request: "MB1", count (u32), items (seq i64, group, attempt u32, message).
/// Reply: count (u32), items (seq i64, action u8 (3 = not subscribed here), delay ms u32, reason).
/// </summary>
internal static class DeliveryBatch
{
    public const string ContentType = "application/x-micro-broker-batch";
    private static ReadOnlySpan<byte> Magic => "MB1"u8;

    public static void WriteRequest(IBufferWriter<byte> output, IReadOnlyList<DeliveryItem> items)
    {
        output.Write(Magic);
        WireFormat.WriteUInt32(output, (uint)items.Count);
        foreach (var item in items)
        {
            WireFormat.WriteInt64(output, item.Seq);
            WireFormat.WriteString16(output, item.Group);
            WireFormat.WriteUInt32(output, (uint)item.Attempt);
            WireFormat.WriteMessage(output, item.Message);
        }
    }

    /// <summary>Decodes a request of at most <paramref name="maxItems"/> items, each body at most <paramref name="maxBody"/> bytes.</summary>
    public static List<DeliveryItem> ReadRequest(ReadOnlyMemory<byte> bytes, int maxItems, int maxBody)
    {
        if (bytes.Length < 7 || !bytes.Span[..3].SequenceEqual(Magic)) throw WireFormat.Malformed("not a delivery batch");
        var reader = new WireFormat.Reader(bytes[3..]);
        var count = reader.UInt32();
        // Each item takes at least 20 bytes: a count larger than the body allows is a lie.
        if (count > (uint)maxItems || count > (uint)(reader.Remaining / 20 + 1)) throw WireFormat.Malformed("too many items");
        var items = new List<DeliveryItem>((int)count);
        for (var i = 0; i < count; i++)
        {
            var seq = reader.Int64();
            var group = reader.String16();
            var attempt = (int)Math.Min(reader.UInt32(), int.MaxValue);
            items.Add(new DeliveryItem(seq, group, Math.Max(1, attempt), reader.Message(maxBody)));
        }
        return items;
    }

    public static void WriteReply(IBufferWriter<byte> output, IReadOnlyList<DeliveryReply> replies)
    {
        WireFormat.WriteUInt32(output, (uint)replies.Count);
        foreach (var reply in replies)
        {
            WireFormat.WriteInt64(output, reply.Seq);
            WireFormat.WriteByte(output, reply.NotSubscribed ? (byte)3 : (byte)reply.Outcome.Action);
            WireFormat.WriteUInt32(output, (uint)Math.Clamp(reply.Outcome.Delay.TotalMilliseconds, 0, uint.MaxValue));
            WireFormat.WriteString16(output, Truncate(reply.Outcome.Reason ?? "", 1024));
        }
    }

    public static List<DeliveryReply> ReadReply(ReadOnlyMemory<byte> bytes, int maxItems)
    {
        var reader = new WireFormat.Reader(bytes);
        var count = reader.UInt32();
        if (count > (uint)maxItems) throw WireFormat.Malformed("too many replies");
        var replies = new List<DeliveryReply>((int)count);
        for (var i = 0; i < count; i++)
        {
            var seq = reader.Int64();
            var action = reader.Byte();
            var delay = TimeSpan.FromMilliseconds(reader.UInt32());
            var reason = reader.String16();
            replies.Add(action switch
            {
                0 => new DeliveryReply(seq, DeliveryOutcome.Ack),
                1 => new DeliveryReply(seq, DeliveryOutcome.Retry(delay, reason)),
                2 => new DeliveryReply(seq, DeliveryOutcome.DeadLetter(reason)),
                3 => new DeliveryReply(seq, DeliveryOutcome.Retry(delay, reason), NotSubscribed: true),
                _ => throw WireFormat.Malformed("unknown action"),
            });
        }
        return replies;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
