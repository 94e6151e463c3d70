// Discovery benchmarks, between two hosts (network namespaces joined by a veth pair, made here and deleted
// at the end; nothing leaves them), and against a private etcd on free loopback ports:
//   1. mDNS latency: register -> visible to the peer, deregister (goodbye) -> gone, crash (no goodbye) -> gone,
//      and examples/Greeter (a real process) stopped with SIGTERM -> gone: what a user sees when a node shuts down.
//   2. Lookup of a service that is not there: latency and packets sent over 100 lookups.
//   3. A receiver (examples/Greeter, a real process) under a query flood: its CPU and memory.
//   4. etcd requests per node per minute: the heartbeat as it was (grant + put + revoke) and as it is (keep-alive).
// bench/run.sh discovery [--rounds 5]
using Micro.Tests.Shared;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Micro.Etcd;
using Micro.Etcd.Registry;
using Micro.Etcd.Tests.Registry;
using Micro.Registry;
using Micro.Registry.Mdns;
using Micro.Tests.Registry.Mdns;

var rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
Console.WriteLine($"# discovery benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
var (a, b) = NetworkNamespace.CreatePair();
try
{
    var only = Environment.GetEnvironmentVariable("MICRO_BENCH_ONLY"); // latency, absent, flood, etcd
    if (only is null or "latency") await LatencyAsync(a, b, rounds);
    if (only is null or "absent") await AbsentAsync(a, b);
    if (only is null or "flood") await FloodAsync(a, b);
}
finally
{
    a.Dispose();
    b.Dispose();
}
if (Environment.GetEnvironmentVariable("MICRO_BENCH_ONLY") is null or "etcd") await EtcdRequestsAsync();

static async Task LatencyAsync(NetworkNamespace a, NetworkNamespace b, int rounds)
{
    var ttl = TimeSpan.FromSeconds(3);
    await using var observer = b.Run(() => new MdnsRegistry());
    var visible = new List<double>();
    var goodbye = new List<double>();
    var crash = new List<double>();
    for (var round = 0; round < rounds; round++)
    {
        var registrant = a.Run(() => new MdnsRegistry());
        var service = new ServiceInfo { Name = "bench-" + round, Nodes = [new NodeInfo { Id = $"bench-{round}-a", Address = "10.0.0.1:1" }] };

        var seen = Next(observer, service.Name, RegistryEventType.Create);
        var clock = Stopwatch.StartNew();
        await registrant.RegisterAsync(service, new RegisterOptions { Ttl = ttl });
        await seen;
        visible.Add(clock.Elapsed.TotalMilliseconds);

        var gone = Next(observer, service.Name, RegistryEventType.Delete);
        clock.Restart();
        if (round % 2 == 0)
        {
            await registrant.DeregisterAsync(service);
            await gone;
            goodbye.Add(clock.Elapsed.TotalMilliseconds);
            await registrant.DisposeAsync();
        }
        else
        {
            await registrant.CrashForTestsAsync(); // no goodbye: the peer must wait for the TTL
            await gone;
            crash.Add(clock.Elapsed.TotalMilliseconds);
        }
    }
    Console.WriteLine($"## mDNS latency, {rounds} rounds, record TTL {ttl.TotalSeconds:F0} s");
    Report("register -> visible to peer", visible, "target < 1000 ms");
    Report("deregister (goodbye) -> gone at peer", goodbye, "target < 1000 ms");
    Report("crash (no goodbye) -> gone at peer", crash, $"target < TTL + 1 s = {ttl.TotalMilliseconds + 1000:F0} ms");

    var stopped = new List<double>();
    for (var round = 0; round < Math.Max(1, rounds / 2); round++)
    {
        var seen = Next(observer, "greeter", RegistryEventType.Create);
        using var greeter = StartGreeter(a);
        try
        {
            await seen;
            var gone = Next(observer, "greeter", RegistryEventType.Delete);
            var clock = Stopwatch.StartNew();
            Micro.Tests.Signals.Send(greeter.Id, Micro.Tests.PosixSignal.Term); // from here, not via /bin/kill: times the node
            await gone;
            stopped.Add(clock.Elapsed.TotalMilliseconds);
            await greeter.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!greeter.HasExited) greeter.Kill(entireProcessTree: true); // a node left running would outlive its namespace
        }
    }
    Report("Greeter SIGTERM -> gone at peer", stopped, "target < 1000 ms");
}

static async Task AbsentAsync(NetworkNamespace a, NetworkNamespace b)
{
    await using var peer = a.Run(() => new MdnsRegistry()); // someone to answer on the link
    await peer.RegisterAsync(new ServiceInfo { Name = "present", Nodes = [new NodeInfo { Id = "present-1", Address = "0.0.0.0:1" }] });
    await using var client = b.Run(() => new MdnsRegistry());
    await client.GetServiceAsync("present");
    var sent = client.Counters.PacketsSent;
    var latencies = new List<double>();
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < 100; i++)
    {
        var one = Stopwatch.StartNew();
        var found = await client.GetServiceAsync("absent");
        latencies.Add(one.Elapsed.TotalMilliseconds);
        if (found.Count != 0) throw new InvalidOperationException("an absent service was found");
        await Task.Delay(50);
    }
    var packets = client.Counters.PacketsSent - sent;
    Console.WriteLine($"## lookup of an absent service: 100 lookups, one every 50 ms, over {clock.Elapsed.TotalSeconds:F1} s");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"first {latencies[0],5:F0} ms, median {Median(latencies),5:F1} ms, max {latencies.Max(),5:F0} ms, {packets} packets sent (before: every lookup sent a query and waited the 500 ms query timeout: 100 packets, 50 s)"));
}

static async Task FloodAsync(NetworkNamespace a, NetworkNamespace b)
{
    var greeter = StartGreeter(a);
    try
    {
        // Another build may predate the current record format (older nodes used a 4 MB Brotli window, refused now):
        // then give it time to start instead of waiting to discover it.
        var other = Environment.GetEnvironmentVariable("MICRO_BENCH_GREETER") is { Length: > 0 };
        await using var observer = b.Run(() => new MdnsRegistry());
        if (other) await Task.Delay(5000);
        else
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                while ((await observer.GetServiceAsync("greeter", wait.Token)).Count == 0) await Task.Delay(100, wait.Token);
        var address = IPAddress.Parse(b.AddressOf("vb"));
        using var attacker = b.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.SetRawSocketOption(1, 15, BitConverter.GetBytes(1));
            s.Bind(new IPEndPoint(IPAddress.Any, 5353));
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, false);
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, address.GetAddressBytes());
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(MdnsTransport.Group, address));
            return s;
        });
        var from = IPAddress.Parse(a.AddressOf("va"));
        var group = new IPEndPoint(MdnsTransport.Group, 5353);
        var random = new Random(3);
        var corpus = new List<byte[]> { HostilePackets.Query(), HostilePackets.RepeatedQuestions(10) };
        var kinds = new (string Name, Func<int, byte[]> Packet)[]
        {
            ("valid PTR queries", _ => HostilePackets.Query()),
            ("1,500-question queries", _ => HostilePackets.RepeatedQuestions(1500)),
            ("malformed packets", i => HostilePackets.Malformed(random, corpus) is { Length: > 0 } p ? p : [0]),
        };
        Console.WriteLine($"## receiver ({Environment.GetEnvironmentVariable("MICRO_BENCH_GREETER") ?? "examples/Greeter"}) under a flood: 10,000 packets/s for 10 s from the other host");
        var (idleCpu, idleRss) = await SampleAsync(greeter, TimeSpan.FromSeconds(5), null);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"idle",-24} CPU {idleCpu,5:F1} % of a core, RSS {idleRss / 1048576.0,6:F1} MB"));
        foreach (var (name, packet) in kinds)
        {
            var packets = Enumerable.Range(0, 200).Select(packet).ToList();
            var answers = 0;
            using var stop = new CancellationTokenSource();
            var counting = Task.Run(async () =>
            {
                var buffer = new byte[65536];
                try
                {
                    while (true)
                    {
                        var r = await attacker.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), stop.Token);
                        if (((IPEndPoint)r.RemoteEndPoint).Address.Equals(from)) answers++;
                    }
                }
                catch (OperationCanceledException) { }
            });
            var flood = Task.Run(() =>
            {
                var clock = Stopwatch.StartNew();
                var sent = 0;
                while (clock.Elapsed < TimeSpan.FromSeconds(10) && sent < 100_000)
                {
                    for (var i = 0; i < 100; i++) attacker.SendTo(packets[sent++ % packets.Count], group);
                    var ahead = TimeSpan.FromMilliseconds(sent / 10.0) - clock.Elapsed;
                    if (ahead > TimeSpan.Zero) Thread.Sleep(ahead);
                }
                return sent;
            });
            var (cpu, rss) = await SampleAsync(greeter, TimeSpan.FromSeconds(10), flood);
            var sentCount = await flood;
            await Task.Delay(500);
            await stop.CancelAsync();
            await counting;
            var found = Stopwatch.StartNew();
            if (!other)
                await using (var fresh = b.Run(() => new MdnsRegistry()))
                    while ((await fresh.GetServiceAsync("greeter")).Count == 0) await Task.Delay(20);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-24} CPU {cpu,5:F1} % of a core, peak RSS {rss / 1048576.0,6:F1} MB, {sentCount} sent, {answers} answer packets, a new peer then finds it in {found.Elapsed.TotalMilliseconds:F0} ms"));
        }
    }
    finally
    {
        greeter.Kill(entireProcessTree: true);
        greeter.WaitForExit(5000);
    }
}

static Process StartGreeter(NetworkNamespace ns)
{
    // MICRO_BENCH_GREETER points at another build (e.g. an older commit's) to compare receivers.
    var dll = Environment.GetEnvironmentVariable("MICRO_BENCH_GREETER") is { Length: > 0 } other ? other
        : RepoPaths.BuiltDll("examples", "Greeter");
    var info = new ProcessStartInfo("ip", $"netns exec {ns.Name} dotnet \"{dll}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MICRO_", StringComparison.Ordinal)).ToList()) info.Environment.Remove(key);
    return Process.Start(info)!.DiscardOutput();
}

// CPU (% of one core) over the window and peak RSS, from /proc (ip netns exec execs dotnet: same pid).
static async Task<(double Cpu, long Rss)> SampleAsync(Process process, TimeSpan window, Task? until)
{
    var start = CpuTicks(process.Id);
    var clock = Stopwatch.StartNew();
    long peak = 0;
    while (clock.Elapsed < window && until is not { IsCompleted: true })
    {
        peak = Math.Max(peak, Rss(process.Id));
        await Task.Delay(100);
    }
    var cpu = (CpuTicks(process.Id) - start) / 100.0 / clock.Elapsed.TotalSeconds * 100; // CLK_TCK = 100
    return (cpu, peak);
}

static long CpuTicks(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime, stime
}

static long Rss(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

static async Task EtcdRequestsAsync()
{
    await using var etcd = await PrivateEtcd.StartAsync();
    using var http = new HttpClient();
    using var raw = new EtcdClient("http://" + etcd.Address);
    const int heartbeats = 6; // one minute at the default 10 s interval (TTL 30 s)
    var ttl = new RegisterOptions { Ttl = TimeSpan.FromSeconds(30) };
    var service = new ServiceInfo { Name = "greeter", Nodes = [new NodeInfo { Id = "greeter-1", Address = "10.0.0.1:1" }] };

    // Before: every heartbeat granted a lease, put the key on it and revoked the previous lease.
    var before = await StartedAsync(http, etcd.Address);
    long previous = 0;
    for (var i = 0; i < heartbeats; i++)
    {
        var lease = await raw.LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 });
        await raw.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("/old/registry/greeter/greeter-1"), Value = ByteString.CopyFromUtf8("{}"), Lease = lease.ID });
        if (previous != 0) await raw.LeaseRevokeAsync(new LeaseRevokeRequest { ID = previous });
        previous = lease.ID;
    }
    var old = await StartedAsync(http, etcd.Address) - before;

    // Now: the first registration grants and puts; each heartbeat after is one keep-alive.
    await using var registry = new EtcdRegistry(new RegistryOptions { Address = etcd.Address, Prefix = "/new/" });
    await registry.RegisterAsync(service, ttl);
    before = await StartedAsync(http, etcd.Address);
    for (var i = 0; i < heartbeats; i++) await registry.RegisterAsync(service, ttl);
    var now = await StartedAsync(http, etcd.Address) - before;
    Console.WriteLine($"## etcd requests per node per minute (heartbeat every 10 s, TTL 30 s; counted by etcd: grpc_server_started_total)");
    Console.WriteLine($"before (lease grant + put + revoke per heartbeat): {old}");
    Console.WriteLine($"after  (one lease keep-alive per heartbeat, put only on change): {now}");
}

static async Task<long> StartedAsync(HttpClient http, string address)
{
    var metrics = await http.GetStringAsync($"http://{address}/metrics");
    return metrics.Split('\n')
        .Where(l => l.StartsWith("grpc_server_started_total{", StringComparison.Ordinal) && !l.Contains("Maintenance", StringComparison.Ordinal))
        .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}

static void Report(string what, List<double> ms, string target) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-40} median {Median(ms),7:F0} ms  max {ms.DefaultIfEmpty().Max(),7:F0} ms  ({target})"));

static double Median(List<double> values) => values.Count == 0 ? 0 : values.Order().ElementAt(values.Count / 2);

static async Task Next(IRegistry registry, string service, RegistryEventType type)
{
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    var stream = registry.WatchAsync(service, timeout.Token).GetAsyncEnumerator(timeout.Token);
    var first = stream.MoveNextAsync(); // subscribe before the change happens
    await Task.Yield();
    for (var more = await first; more; more = await stream.MoveNextAsync())
        if (stream.Current.Type == type) break;
    await stream.DisposeAsync();
}
