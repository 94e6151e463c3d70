using System.Diagnostics;
using Micro.Registry;
using Micro.Registry.Mdns;
using Micro.Registry.Mdns.Protocol;

namespace Micro.Tests.Registry.Mdns.Protocol;

/// <summary>
/// A seeded mutation fuzzer over the DNS codec and the service-record decoder: valid packets of every shape we
/// send or accept, mutated; the only exception allowed is <see cref="FormatException"/>, and no packet may make
/// the decoders allocate more than a fixed bound. CI runs a short round; <c>fuzz.sh</c> beside this file runs
/// millions (MICRO_FUZZ_ITERATIONS, MICRO_FUZZ_SEED).
/// </summary>
public sealed class DnsFuzzTests
{
    private const long MaxAllocationPerPacket = 512 * 1024;

    [Fact]
    public void Mutated_packets_fail_only_with_format_errors_and_bounded_allocation()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("MICRO_FUZZ_ITERATIONS"), out var n) ? n : 100_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MICRO_FUZZ_SEED"), out var s) ? s : 1337;
        var random = new Random(seed);
        var corpus = Corpus();
        long decoded = 0, rejected = 0, texts = 0, maxAllocated = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            var packet = random.Next(4) == 0 ? HostilePackets.Malformed(random, corpus) : HostilePackets.Mutate(random, corpus[random.Next(corpus.Count)]);
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var message = DnsCodec.Decode(packet);
                decoded++;
                if (random.Next(4) == 0 && corpus.Count < 4096) corpus.Add(packet); // mutations of valid mutations reach deeper
                foreach (var record in message.Answers.Concat(message.Additionals))
                    if (record.Text is not null) { MdnsServiceText.Decode(record.Text); texts++; }
            }
            catch (FormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, iteration {i}: {e.GetType().Name}: {e.Message}\npacket: {Convert.ToHexString(packet)}");
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            maxAllocated = Math.Max(maxAllocated, allocated);
            Assert.True(allocated <= MaxAllocationPerPacket, $"seed {seed}, iteration {i}: {allocated} bytes allocated for a {packet.Length}-byte packet");
        }
        Assert.True(decoded > iterations / 100 && rejected > iterations / 100, $"the fuzzer should reach both outcomes: {decoded} decoded, {rejected} rejected");
        Console.WriteLine($"fuzz: seed {seed}, {iterations} packets in {clock.Elapsed.TotalSeconds:F1} s, {decoded} decoded, {rejected} rejected, {texts} TXT decoded, max {maxAllocated} bytes allocated per packet");
    }

    private static List<byte[]> Corpus()
    {
        var interfaces = new[] { new MdnsInterface("v", System.Net.IPAddress.Parse("10.1.1.1"), 24, 1500) };
        var service = new ServiceInfo
        {
            Name = "greeter",
            Metadata = new Dictionary<string, string> { ["team"] = "core" },
            Endpoints = [new EndpointInfo { Name = "Greeter.Hello", Request = "HelloRequest", Response = "HelloReply" }],
            Nodes = [new NodeInfo { Id = "greeter-1", Address = "0.0.0.0:8080" }],
        };
        var local = LocalInstance.Create(service, 120, interfaces, previous: null);
        var announcement = DnsPacketWriter.Responses([local.Ptr.Wire], local.Unique.Select(r => r.Wire).ToList(), 1472);
        return
        [
            .. announcement,
            HostilePackets.Query(),
            HostilePackets.RepeatedQuestions(40),
            HostilePackets.Goodbye(local.Instance),
            HostilePackets.Announcement("bomb._micro._tcp.local", HostilePackets.BombText(HostilePackets.CompressedZeros(8 << 20), "bomb")),
            DnsCodec.Encode(new DnsMessage { Questions = [new DnsQuestion(local.Instance, DnsType.Any, UnicastResponse: true)], Answers = [local.Ptr.Record] }),
        ];
    }
}
