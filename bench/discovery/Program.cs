// mDNS discovery latency between two hosts (network namespaces joined by a veth pair, made here and
// deleted at the end; nothing leaves them): register -> visible to the peer, deregister (goodbye) ->
// gone, crash (no goodbye) -> gone, against the record TTL.   bench/run.sh discovery [--rounds 5]
using System.Diagnostics;
using System.Globalization;
using Micro.Registry;
using Micro.Registry.Mdns;
using Micro.Tests.Registry.Mdns;

var rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var ttl = TimeSpan.FromSeconds(3);
var (a, b) = NetworkNamespace.CreatePair();
try
{
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
    Console.WriteLine($"# discovery benchmark (mDNS, two namespaces on a veth link), {rounds} rounds, record TTL {ttl.TotalSeconds:F0} s, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    Report("register -> visible to peer", visible, "target < 1000 ms");
    Report("deregister (goodbye) -> gone at peer", goodbye, "target < 1000 ms");
    Report("crash (no goodbye) -> gone at peer", crash, $"target < TTL + 1 s = {ttl.TotalMilliseconds + 1000:F0} ms");
}
finally
{
    a.Dispose();
    b.Dispose();
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
