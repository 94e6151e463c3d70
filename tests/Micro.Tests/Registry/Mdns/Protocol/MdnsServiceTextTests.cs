using Micro.Registry;
using Micro.Registry.Mdns.Protocol;

namespace Micro.Tests.Registry.Mdns.Protocol;

public sealed class MdnsServiceTextTests
{
    private static readonly ServiceInfo Greeter = new()
    {
        Name = "greeter",
        Endpoints = [new EndpointInfo { Name = "Greeter.Hello", Request = "HelloRequest", Response = "HelloReply" }],
        Nodes = [new NodeInfo { Id = "greeter-1", Address = "10.0.0.1:8080" }],
    };

    [Fact]
    public void A_record_survives_encoding_and_decoding()
    {
        var decoded = MdnsServiceText.Decode(MdnsServiceText.Encode(Greeter));
        Assert.NotNull(decoded);
        Assert.Equal("greeter", decoded.Name);
        Assert.Equal("Greeter.Hello", decoded.Endpoints.Single().Name);
        Assert.Equal("10.0.0.1:8080", decoded.Nodes.Single().Address);
    }

    [Theory]
    [InlineData(1L << 30, 24)] // a gigabyte: any Brotli encoder's large window; refused from the stream header
    [InlineData(8L << 20, 16)] // the most a small window fits in one TXT: inflation stops at the limit
    public void A_payload_that_would_inflate_past_the_limit_costs_bounded_memory_and_time(long inflated, int window)
    {
        var bomb = HostilePackets.BombText(HostilePackets.CompressedZeros(inflated, window), "bomb-1");
        Assert.True(bomb.Sum(s => s.Length + 1) <= MdnsServiceText.MaxTextLength, "the bomb must fit the TXT limit to reach the inflater");
        MdnsServiceText.Decode(bomb); // warm up
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 100; i++) Assert.Null(MdnsServiceText.Decode(bomb));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 100 * 64 * 1024, "decoding allocated more than the bound");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"100 decodes took {clock.Elapsed}"); // inflating it all: ~0.2 s each
    }

    [Fact]
    public void Too_many_chunks_or_too_long_a_payload_is_refused_before_decoding()
    {
        var strings = Enumerable.Range(0, 200).Select(i => System.Text.Encoding.ASCII.GetBytes($"r{i}=" + new string('A', 240))).ToList();
        Assert.Null(MdnsServiceText.Decode(strings));
    }

    [Fact]
    public void A_service_too_large_for_one_packet_is_refused_at_registration()
    {
        var huge = Greeter with { Metadata = Enumerable.Range(0, 400).ToDictionary(i => "k" + i, i => Guid.NewGuid().ToString()) };
        Assert.Throws<ArgumentException>(() => MdnsServiceText.Encode(huge));
    }
}
