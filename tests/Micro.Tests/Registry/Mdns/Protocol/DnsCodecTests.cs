using System.Buffers.Binary;
using Micro.Registry.Mdns.Protocol;

namespace Micro.Tests.Registry.Mdns.Protocol;

public sealed class DnsCodecTests
{
    [Fact]
    public void A_message_survives_encoding_and_decoding()
    {
        var message = new DnsMessage
        {
            Id = 7,
            IsResponse = true,
            Answers = [new DnsRecord("_micro._tcp.local", DnsType.Ptr, 120) { Target = "n1._micro._tcp.local" }],
            Additionals =
            [
                new DnsRecord("n1._micro._tcp.local", DnsType.Srv, 120, CacheFlush: true) { Host = "n1.local", Port = 8080 },
                new DnsRecord("n1._micro._tcp.local", DnsType.Txt, 120, CacheFlush: true) { Text = [[1, 2, 3]] },
                new DnsRecord("n1.local", DnsType.A, 120, CacheFlush: true) { Address = System.Net.IPAddress.Parse("10.1.2.3") },
            ],
        };
        var decoded = DnsCodec.Decode(DnsCodec.Encode(message));
        Assert.Equal(7, decoded.Id);
        Assert.True(decoded.IsResponse);
        Assert.Equal("n1._micro._tcp.local", decoded.Answers.Single().Target);
        Assert.Equal(8080, decoded.Additionals[0].Port);
        Assert.Equal([1, 2, 3], decoded.Additionals[1].Text!.Single());
        Assert.Equal("10.1.2.3", decoded.Additionals[2].Address!.ToString());
    }

    [Fact]
    public void A_pointer_that_points_forward_or_at_itself_is_a_format_error()
    {
        var packet = HostilePackets.Query();
        packet[12] = 0xC0;
        packet[13] = 12; // itself
        Assert.Throws<FormatException>(() => DnsCodec.Decode(packet));
        packet[13] = 20; // forward
        Assert.Throws<FormatException>(() => DnsCodec.Decode(packet));
    }

    [Fact]
    public void Counts_larger_than_the_packet_can_hold_fail_before_any_record_is_read()
    {
        var packet = HostilePackets.Query();
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), 60000);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<FormatException>(() => DnsCodec.Decode(packet));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 16 * 1024, "the decoder allocated for counts the packet cannot hold");
    }

    [Fact]
    public void Repeated_questions_decode_to_one_shared_name()
    {
        var decoded = DnsCodec.Decode(HostilePackets.RepeatedQuestions(1500));
        Assert.Equal(1500, decoded.Questions.Count);
        Assert.All(decoded.Questions, q => Assert.Same(decoded.Questions[0].Name, q.Name));
    }

    [Fact]
    public void A_packet_longer_than_the_limit_is_refused()
    {
        Assert.Throws<FormatException>(() => DnsCodec.Decode(new byte[DnsCodec.MaxPacket + 1]));
    }

    [Fact]
    public void Responses_are_split_so_no_packet_exceeds_the_limit()
    {
        var records = Enumerable.Range(0, 40).Select(i => DnsCodec.EncodeRecord(new DnsRecord($"n{i}._micro._tcp.local", DnsType.Txt, 120) { Text = [new byte[200]] })).ToList();
        var packets = DnsPacketWriter.Responses(records.Take(20).ToList(), records.Skip(20).ToList(), 1472);
        Assert.True(packets.Count > 1);
        Assert.All(packets, p => Assert.InRange(p.Length, 1, 1472));
        Assert.Equal(40, packets.Sum(p => DnsCodec.Decode(p) is var m ? m.Answers.Count + m.Additionals.Count : 0));
    }

    [Fact]
    public void A_legacy_unicast_copy_drops_cache_flush_and_caps_the_ttl()
    {
        var record = new EncodedRecord(new DnsRecord("n1._micro._tcp.local", DnsType.Txt, 120, CacheFlush: true) { Text = [[1]] });
        var message = DnsCodec.Decode(DnsPacketWriter.Responses([record.ForLegacyUnicast()], [], 1472, id: 42, questions: [DnsCodec.EncodeQuestion(new DnsQuestion("n1._micro._tcp.local", DnsType.Txt))]).Single());
        Assert.Equal(42, message.Id);
        Assert.Equal("n1._micro._tcp.local", message.Questions.Single().Name);
        Assert.False(message.Answers.Single().CacheFlush);
        Assert.Equal(10u, message.Answers.Single().Ttl);
    }
}
