using System.Buffers.Binary;

namespace Micro.Registry.Mdns.Protocol;

/// <summary>
/// A record of ours, encoded once (without compression) when it changes, copied into every response that
/// carries it. <see cref="LastMulticast"/> and <see cref="ScheduledFor"/> carry the RFC 6762 §6 rate limit:
/// a record is multicast at most once a second (except to defend it), and a record already queued is not queued twice.
/// </summary>
internal sealed class EncodedRecord
{
    public EncodedRecord(DnsRecord record)
    {
        Record = record;
        Wire = DnsCodec.EncodeRecord(record);
    }

    /// <summary>The record as decoded values.</summary>
    public DnsRecord Record { get; }

    /// <summary>The record on the wire.</summary>
    public byte[] Wire { get; }

    /// <summary>Shared records (PTR) are answered after a random 20-120 ms delay; unique ones at once (RFC 6762 §6).</summary>
    public bool IsShared => !Record.CacheFlush;

    /// <summary>Timestamp (TimeProvider ticks) of the last multicast of this record; 0 when never.</summary>
    public long LastMulticast;

    /// <summary>Timestamp a queued multicast of this record is due; 0 when none is queued.</summary>
    public long ScheduledFor;

    /// <summary>
    /// This record for a legacy unicast querier (RFC 6762 §6.7): no cache-flush bit, TTL at most 10 s.
    /// Only the class and TTL fields change, at a known offset after the (uncompressed) name.
    /// </summary>
    public byte[] ForLegacyUnicast()
    {
        var copy = (byte[])Wire.Clone();
        var at = NameLength(copy) + 2; // class follows the name and type
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(at), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(at)) & 0x7FFF));
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(at + 2), Math.Min(Record.Ttl, 10));
        return copy;
    }

    private static int NameLength(byte[] wire)
    {
        var at = 0;
        while (wire[at] != 0) at += 1 + wire[at];
        return at + 1;
    }
}
