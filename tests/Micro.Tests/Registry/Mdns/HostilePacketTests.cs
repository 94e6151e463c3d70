using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Micro.Registry;
using Micro.Registry.Mdns;
using Micro.Registry.Mdns.Protocol;

namespace Micro.Tests.Registry.Mdns;

/// <summary>
/// An attacker on the link, in test-made namespaces: a victim node on host A, an observer and the attacker on
/// host B. Each test also checks the outcome the attack would cause without the defence, so it can fail.
/// </summary>
public sealed class HostilePacketTests : IAsyncLifetime
{
    private static readonly Lazy<byte[]> GigabyteBomb = new(() => HostilePackets.CompressedZeros(1L << 30, window: 24));
    private static readonly Lazy<byte[]> SmallWindowBomb = new(() => HostilePackets.CompressedZeros(8L << 20, window: 16));
    private readonly NetworkNamespace _a;
    private readonly NetworkNamespace _b;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<IAsyncDisposable> _registries = [];
    private readonly List<Socket> _sockets = [];
    private readonly IPEndPoint _group = new(MdnsTransport.Group, 5353);
    private MdnsRegistry _victim = null!;
    private ServiceInfo _service = null!;

    public HostilePacketTests() => (_a, _b) = NetworkNamespace.CreatePair();

    private string AddressA => _a.AddressOf("va");
    private string AddressB => _b.AddressOf("vb");

    public async Task InitializeAsync()
    {
        _victim = Registry(_a);
        _service = new ServiceInfo { Name = "victim-" + _run, Nodes = [new NodeInfo { Id = "victim-" + _run, Address = "0.0.0.0:7000" }] };
        await _victim.RegisterAsync(_service);
    }

    private MdnsRegistry Registry(NetworkNamespace ns, RegistryOptions? options = null)
    {
        var registry = ns.Run(() => new MdnsRegistry(options));
        _registries.Add(registry);
        return registry;
    }

    /// <summary>A raw socket on host B: port 5353 (a "real" mDNS peer) unless <paramref name="bind"/> says otherwise.</summary>
    private Socket Attacker(IPEndPoint? bind = null, bool loopback = true)
    {
        var socket = HostilePackets.Socket(_b, IPAddress.Parse(AddressB), bind, loopback);
        _sockets.Add(socket);
        return socket;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            Assert.True(clock.Elapsed < within, $"{what} did not happen within {within}");
            await Task.Delay(50);
        }
    }

    private Task<IReadOnlyList<ServiceInfo>> SeenAsync(IRegistry observer, string? address = null) => EventuallyAsync(
        () => observer.GetServiceAsync(_service.Name),
        s => s.SelectMany(x => x.Nodes).Any(n => address is null || n.Address == address),
        TimeSpan.FromSeconds(10), $"the observer seeing {_service.Name} {address}");

    [Fact]
    public async Task A_txt_record_inflating_to_a_gigabyte_leaves_memory_flat_and_discovery_answering()
    {
        var bomb = GigabyteBomb.Value;
        var small = SmallWindowBomb.Value;
        var observer = Registry(_b);
        await SeenAsync(observer);
        var attacker = Attacker(loopback: true);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        var workingSetBefore = process.WorkingSet64;
        var decodesBefore = _victim.Decodes;

        const int bombs = 100;
        for (var i = 0; i < bombs; i++)
            attacker.SendTo(HostilePackets.Announcement($"bomb{i}-{_run}._micro._tcp.local", HostilePackets.BombText(i % 2 == 0 ? bomb : small, $"bomb{i}")), _group);
        await EventuallyAsync(() => Task.FromResult(_victim.Decodes - decodesBefore), n => n >= bombs * 9 / 10, TimeSpan.FromSeconds(10),
            $"the victim decoding the bombs ({bomb.Length} bytes compressed, packet {HostilePackets.Announcement("bomb0._micro._tcp.local", HostilePackets.BombText(bomb, "bomb0")).Length} bytes; observer received {observer.Counters.PacketsReceived} decoded {observer.Decodes}; received {_victim.Counters.PacketsReceived}, reopens {_victim.Counters.SocketReopens}, failures {_victim.Counters.Failures}, off-link {_victim.Counters.OffLinkDropped}, malformed {_victim.MalformedPackets}, decoded {_victim.Decodes})");

        process.Refresh();
        var heapGrowth = GC.GetTotalMemory(forceFullCollection: false) - heapBefore;
        var workingSetGrowth = process.WorkingSet64 - workingSetBefore;
        Assert.True(heapGrowth < 50 << 20, $"heap grew {heapGrowth >> 20} MB");
        Assert.True(workingSetGrowth < 50 << 20, $"working set grew {workingSetGrowth >> 20} MB");
        Assert.Equal(0, _victim.CachedNodes); // no bomb became a node

        // Discovery still answers: a fresh observer finds the victim.
        var fresh = Registry(_b);
        var clock = Stopwatch.StartNew();
        await SeenAsync(fresh);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"discovery took {clock.Elapsed} after the bombs");
    }

    [Fact]
    public async Task A_query_repeating_its_question_1500_times_gets_one_answer_that_fits_the_mtu()
    {
        var observer = Registry(_b);
        await SeenAsync(observer);
        var attacker = Attacker();
        var answers = HostilePackets.Collect(attacker, IPAddress.Parse(AddressA), TimeSpan.FromSeconds(2.5));
        var query = HostilePackets.RepeatedQuestions(1500);
        var sentBefore = _victim.Counters.PacketsSent;
        await Task.Delay(1100); // past the rate-limit second of the victim's own announcements
        for (var i = 0; i < 50; i++) attacker.SendTo(query, _group); // and again: still at most one answer a second
        var packets = await answers;
        var instance = LocalInstance.InstanceName(_service.Nodes[0].Id);
        var replies = packets.Select(p => DnsCodec.Decode(p)).Where(m => m.IsResponse && m.Answers.Any(r => r.Target == instance)).ToList();
        Assert.NotEmpty(replies);
        Assert.All(packets, p => Assert.True(p.Length <= 1500 - 28, $"a {p.Length}-byte packet exceeds the MTU"));
        var first = replies[0];
        Assert.Single(first.Answers, r => r.Type == DnsType.Ptr);
        Assert.Equal(first.Additionals.Count, first.Additionals.Distinct().Count());
        Assert.Contains(first.Additionals, r => r.Type == DnsType.Txt);
        Assert.True(_victim.Counters.PacketsSent - sentBefore <= 4, $"the victim sent {_victim.Counters.PacketsSent - sentBefore} packets for 50 floods of 1,500 questions");
    }

    [Fact]
    public async Task Ten_thousand_malformed_packets_a_second_for_ten_seconds_leave_discovery_working()
    {
        var observer = Registry(_b);
        await SeenAsync(observer);
        var attacker = Attacker(loopback: false);
        var corpus = new List<byte[]> { HostilePackets.Query(), HostilePackets.RepeatedQuestions(10), HostilePackets.Goodbye("x._micro._tcp.local") };
        var malformedBefore = _victim.MalformedPackets;
        var flood = Task.Run(() =>
        {
            var random = new Random(7);
            var packets = Enumerable.Range(0, 500).Select(_ => HostilePackets.Malformed(random, corpus)).Where(p => p.Length > 0).ToList();
            var clock = Stopwatch.StartNew();
            var sent = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(10) && sent < 100_000)
            {
                for (var i = 0; i < 100; i++) attacker.SendTo(packets[sent++ % packets.Count], _group);
                var ahead = TimeSpan.FromMilliseconds(sent / 10.0) - clock.Elapsed; // 10,000 a second
                if (ahead > TimeSpan.Zero) Thread.Sleep(ahead);
            }
            return sent;
        });

        // During the flood: a node registered now is discovered, and a new observer discovers the victim.
        await Task.Delay(2000);
        var late = new ServiceInfo { Name = "late-" + _run, Nodes = [new NodeInfo { Id = "late-" + _run, Address = AddressA + ":7001" }] };
        await _victim.RegisterAsync(late);
        await EventuallyAsync(() => observer.GetServiceAsync(late.Name), s => s.Count > 0, TimeSpan.FromSeconds(5), "discovering a node registered during the flood");
        var fresh = Registry(_b);
        await SeenAsync(fresh);
        Assert.False(flood.IsCompleted, "the flood ended before discovery was checked");

        var sent = await flood;
        Assert.True(sent >= 90_000, $"only {sent} packets sent");
        Assert.True(_victim.MalformedPackets - malformedBefore > 10_000, $"the victim saw {_victim.MalformedPackets - malformedBefore} malformed packets");
        Assert.Equal(0, _victim.Counters.Failures); // every packet ended as a format error, never as a crash
        var afterwards = Registry(_b);
        await SeenAsync(afterwards);
    }

    [Fact]
    public async Task An_off_link_spoofed_query_gets_no_unicast_answer_and_an_on_link_one_does()
    {
        // 192.0.2.9 lives on host B, and host A can route to it: only the source check keeps A from answering it.
        _b.Exec("ip addr add 192.0.2.9/32 dev vb");
        _a.Exec("ip route add 192.0.2.0/24 dev va");
        var spoofed = Attacker(new IPEndPoint(IPAddress.Parse("192.0.2.9"), 0));
        var onLink = Attacker(new IPEndPoint(IPAddress.Parse(AddressB), 0));

        var control = HostilePackets.Collect(onLink, IPAddress.Parse(AddressA), TimeSpan.FromSeconds(3), stopAtFirst: true);
        onLink.SendTo(HostilePackets.Query(id: 4242), _group);
        var reply = Assert.Single(await control);
        var decoded = DnsCodec.Decode(reply);
        Assert.Equal(4242, decoded.Id); // legacy unicast echoes the id and the question (RFC 6762 §6.7)
        Assert.Equal(LocalInstance.ServiceType, decoded.Questions.Single().Name);
        Assert.All(decoded.Answers.Concat(decoded.Additionals), r => Assert.True(r.Ttl <= 10));

        var droppedBefore = _victim.Counters.OffLinkDropped;
        var none = HostilePackets.Collect(spoofed, IPAddress.Parse(AddressA), TimeSpan.FromSeconds(1.5));
        spoofed.SendTo(HostilePackets.Query(id: 4343), _group);
        Assert.Empty(await none);
        Assert.True(_victim.Counters.OffLinkDropped > droppedBefore, "the spoofed query did not reach the victim");
    }

    [Fact]
    public async Task A_forged_goodbye_for_a_live_node_is_corrected_before_observers_drop_it()
    {
        // The victim, the observer and every other test share this process's threads: on a busy machine the victim's
        // answer can take longer than the default 250 ms grace to be sent and read. The observer waits RFC 6762's
        // second instead, which tests the same defence; without it the node would still be dropped inside the watch.
        var grace = TimeSpan.FromSeconds(1);
        var observer = Registry(_b, new RegistryOptions { GoodbyeGrace = grace });
        await SeenAsync(observer);
        using var watching = new CancellationTokenSource(grace + TimeSpan.FromSeconds(1.5));
        var deletes = CountDeletesAsync(observer, watching.Token);
        var attacker = Attacker();
        attacker.SendTo(HostilePackets.Goodbye(LocalInstance.InstanceName(_service.Nodes[0].Id)), _group);
        Assert.Equal(0, await deletes);
        Assert.NotEmpty((await observer.GetServiceAsync(_service.Name)).SelectMany(s => s.Nodes));

        // A node nobody defends (the attacker announced it) goes on the same goodbye: the test can tell.
        var undefended = new ServiceInfo { Name = "undefended-" + _run, Nodes = [new NodeInfo { Id = "undefended-" + _run, Address = AddressB + ":7002" }] };
        var instance = LocalInstance.InstanceName(undefended.Nodes[0].Id);
        attacker.SendTo(HostilePackets.Announcement(instance, MdnsServiceText.Encode(undefended)), _group);
        await EventuallyAsync(() => observer.GetServiceAsync(undefended.Name), s => s.Count == 1, TimeSpan.FromSeconds(2), "the observer learning the undefended node");
        attacker.SendTo(HostilePackets.Goodbye(instance), _group);
        await EventuallyAsync(() => observer.GetServiceAsync(undefended.Name), s => s.Count == 0, grace + TimeSpan.FromSeconds(2), "an undefended goodbye taking effect");
    }

    [Fact]
    public async Task Discovery_follows_a_change_of_the_interface_address()
    {
        var observer = Registry(_b);
        var before = AddressA;
        await SeenAsync(observer, before + ":7000");
        var after = before[..before.LastIndexOf('.')] + ".5";
        _a.Exec($"ip addr del {before}/24 dev va");
        _a.Exec($"ip addr add {after}/24 dev va");
        await SeenAsync(observer, after + ":7000");
        Assert.True(_victim.Counters.SocketReopens >= 1);

        var late = new ServiceInfo { Name = "late-" + _run, Nodes = [new NodeInfo { Id = "late-" + _run, Address = "0.0.0.0:7001" }] };
        await _victim.RegisterAsync(late);
        await EventuallyAsync(() => observer.GetServiceAsync(late.Name), s => s.SelectMany(x => x.Nodes).Any(n => n.Address == after + ":7001"), TimeSpan.FromSeconds(5), "discovering a node registered after the change");
    }

    private static async Task<int> CountDeletesAsync(IRegistry observer, CancellationToken cancellationToken)
    {
        var deletes = 0;
        try
        {
            await foreach (var change in observer.WatchAsync(null, cancellationToken))
                if (change.Type == RegistryEventType.Delete) deletes++;
        }
        catch (OperationCanceledException) { }
        return deletes;
    }

    public async Task DisposeAsync()
    {
        foreach (var socket in _sockets) socket.Dispose();
        foreach (var registry in Enumerable.Reverse(_registries)) await registry.DisposeAsync();
        _a.Dispose();
        _b.Dispose();
    }
}
