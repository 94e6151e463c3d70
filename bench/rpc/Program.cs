// Unary calls through Micro (client -> server, both via the framework) against raw grpc-dotnet
// (protoc-generated client and server), same payload, same process layout (server and client in this
// process, loopback h2c), same concurrency, in one run; then the slow-node comparison of the selectors.
//   bench/run.sh rpc [--seconds 2] [--payload 64] [--rounds 15] [--slice 0.1] [--selector p2c|random]
//   bench/run.sh rpc --cost [--types] [--pair NAME,...] [--in-flight N]: CPU and bytes allocated per call, each client against
//     each server (--types: which types the extra bytes are, sampled by the runtime; raw2 -> raw is an A/A pair)
// Warm-up runs both sides until their throughput is stable (tiered JIT settles; run.sh also sets
// DOTNET_TC_CallCountingDelayMs=0). Then each round measures the sides in 0.1 s slices that take turns (2 s per side in
// all): this VM's speed drifts by up to 2x within seconds, which rounds of whole seconds per side turned into a spread of
// 0.66-1.23 in the per-round ratio; slices a tenth of a second apart see the same machine. Each round gives a micro/raw
// ratio and the median of those ratios is reported. Micro keeps its default timeout (10 s) on the client and sends no
// deadline unless the call sets or inherits one; raw sends none either. What a deadline on the wire costs is in --cost
// (raw+deadline).
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Micro;
using Micro.Bench.Rpc;
using Micro.Client;
using Micro.Registry;
using Micro.Tests.Shared.Selector;
using Micro.Selector;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var seconds = BenchArgs.Number(args, "--seconds", 2);
var payloadBytes = BenchArgs.Int(args, "--payload", 64);
var rounds = BenchArgs.Int(args, "--rounds", 15);
var slice = BenchArgs.Number(args, "--slice", 0.1); // seconds; the sides take turns this often
var selectorName = BenchArgs.String(args, "--selector", "p2c"); // the framework's default
var payload = new Payload { Data = ByteString.CopyFrom(new byte[payloadBytes]) };
ISelector NewSelector(string name) => name == "p2c" ? new PowerOfTwoChoicesSelector() : new RandomSelector();

// --- raw grpc-dotnet server + generated client
var (raw, rawAddress) = await RawServer.StartAsync();
using var rawChannel = RawServer.Channel(rawAddress);
var rawClient = new Bench.BenchClient(rawChannel);

// --- Micro server + Micro client, discovery through the in-memory registry
var registry = new MemoryRegistry();
// The service is named after the raw proto's package so that each client can also call the other side's server.
var microBuilder = MicroService.CreateBuilder([], "benchraw");
microBuilder.Logging.ClearProviders();
microBuilder.Services.AddSingleton<IRegistry>(registry);
microBuilder.Handle<Payload, Payload>("Bench.Echo", (request, context) => request);
await using var micro = microBuilder.Build();
await micro.StartAsync();
await using var microClient = new MicroClient(registry, NewSelector(selectorName));

Func<Task> rawCall = () => rawClient.EchoAsync(payload).ResponseAsync;
Func<Task> microCall = () => microClient.CallAsync<Payload, Payload>("benchraw", "Bench.Echo", payload);

if (args.Contains("--cost"))
{
    await CostAsync();
    return;
}

Console.WriteLine($"# rpc benchmark: {Environment.ProcessorCount} cores, {payloadBytes}-byte payload, {seconds}s per measurement, {rounds} rounds (median of per-round micro/raw), selector {selectorName}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");

// Warm-up: both sides at 64 in flight, 2 s windows, until two windows in a row agree within 3 % (at most 60 s).
var (warmupTook, warmupLast) = await LoadLoop.WarmUpAsync([
    async () => (await LoadLoop.MeasureAsync(rawCall, 64, TimeSpan.FromSeconds(2))).Throughput,
    async () => (await LoadLoop.MeasureAsync(microCall, 64, TimeSpan.FromSeconds(2))).Throughput]);
Console.WriteLine($"# warm-up: {warmupTook.TotalSeconds:F0} s until stable (last window raw {warmupLast[0]:F0}, micro {warmupLast[1]:F0} req/s)");
Console.WriteLine($"{"impl",-6} {"in flight",9} {"req/s",10} {"p50 us",8} {"p99 us",8} {"cpu us",7} {"bytes",6}   (cpu and bytes: per call, both ends)");

var sides = new[] { ("raw", rawCall), ("micro", microCall) };
var ratios = new Dictionary<(string, int), double>();
var medians = new Dictionary<(string, int), Result>();
foreach (var concurrency in new[] { 1, 64 })
{
    var perRound = new Dictionary<string, List<double>> { ["raw"] = [] };
    var runs = sides.ToDictionary(s => s.Item1, _ => new List<Result>());
    for (var round = 0; round < rounds; round++)
    {
        // Each round: the sides take turns in short slices (see MeasureInterleavedAsync), `seconds` per side in all.
        var measured = await LoadLoop.MeasureInterleavedAsync(sides.Select(s => s.Item2).ToArray(), concurrency,
            TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(slice));
        var results = new Dictionary<string, Result>();
        for (var i = 0; i < sides.Length; i++)
        {
            var (name, result) = (sides[i].Item1, measured[i]);
            Console.WriteLine($"{name,-6} {concurrency,9} {result.Throughput,10:F0} {result.P50Us,8:F0} {result.P99Us,8:F0} {result.CpuUs,7:F1} {result.Bytes,6:F0}");
            results[name] = result;
            runs[name].Add(result);
        }
        foreach (var baseline in perRound.Keys) perRound[baseline].Add(results["micro"].Throughput / results[baseline].Throughput);
    }
    foreach (var (baseline, values) in perRound) ratios[(baseline, concurrency)] = Median(values);
    var sorted = perRound["raw"].Order().ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"# per-round micro/raw at {concurrency} in flight over {sorted.Count} rounds: min {sorted[0]:F2}, quartiles {sorted[sorted.Count / 4]:F2} / {Median(sorted):F2} / {sorted[sorted.Count * 3 / 4]:F2}, max {sorted[^1]:F2}"));
    foreach (var (name, _) in sides)
        medians[(name, concurrency)] = new Result(Median(runs[name].Select(r => r.Throughput).ToList()), Median(runs[name].Select(r => r.P50Us).ToList()),
            Median(runs[name].Select(r => r.P99Us).ToList()), Median(runs[name].Select(r => r.CpuUs).ToList()), Median(runs[name].Select(r => r.Bytes).ToList()));
}
foreach (var concurrency in new[] { 1, 64 })
{
    Console.WriteLine($"median at {concurrency,2} in flight: " + string.Join(", ", sides.Select(s => medians[(s.Item1, concurrency)] is var m
        ? $"{s.Item1} {m.Throughput:F0} req/s (p50 {m.P50Us:F0} us, p99 {m.P99Us:F0} us, {m.CpuUs:F1} cpu us, {m.Bytes:F0} B per call)" : "")));
}
await micro.StopAsync();
await raw.StopAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"micro/raw throughput at 1 in flight: {ratios[("raw", 1)]:F2}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"micro/raw cpu per call at 64 in flight: {medians[("micro", 64)].CpuUs / medians[("raw", 64)].CpuUs:F2}, bytes per call: {medians[("micro", 64)].Bytes / medians[("raw", 64)].Bytes:F2}"));

// --- slow node: 3 nodes, one 10x slower (2 ms vs 20 ms handlers), 8 callers; which share of calls goes to it
var slow = await SlowNodeAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"slow node share: random {slow["random"].Share:F2}, p2c {slow["p2c"].Share:F2}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"micro/raw throughput at 64 in flight: {ratios[("raw", 64)]:F2}"));

async Task<Dictionary<string, SlowResult>> SlowNodeAsync()
{
    var slowRegistry = new MemoryRegistry();
    var nodes = new List<MicroApp>();
    for (var i = 0; i < 3; i++)
    {
        var delay = TimeSpan.FromMilliseconds(i == 2 ? 20 : 2);
        var builder = MicroService.CreateBuilder([], "slowbench");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IRegistry>(slowRegistry);
        builder.Handle<Payload, Payload>("Bench.Echo", async (request, context) =>
        {
            await Task.Delay(delay, context.CancellationToken);
            return request;
        });
        var app = builder.Build();
        await app.StartAsync();
        nodes.Add(app);
    }
    var slowAddress = nodes[2].Address;
    var results = new Dictionary<string, SlowResult>();
    try
    {
        foreach (var name in new[] { "random", "p2c", "random", "p2c" })
        {
            var counting = new CountingSelector(NewSelector(name));
            await using var client = new MicroClient(slowRegistry, counting);
            Func<Task> call = () => client.CallAsync<Payload, Payload>("slowbench", "Bench.Echo", payload);
            await LoadLoop.MeasureAsync(call, 8, TimeSpan.FromSeconds(1)); // this selector learns the nodes
            counting.Reset();
            var result = await LoadLoop.MeasureAsync(call, 8, TimeSpan.FromSeconds(2));
            var share = counting.Picks(slowAddress) / (double)counting.Total;
            Console.WriteLine($"slow node, {name,-6}: {result.Throughput,6:F0} req/s, p50 {result.P50Us / 1000,5:F1} ms, p99 {result.P99Us / 1000,5:F1} ms, share of calls to the slow node {share:F3}");
            // Second round of each kept (first one for each selector ran on a cooler process).
            results[name] = new SlowResult(share, result);
        }
    }
    finally
    {
        foreach (var node in nodes)
        {
            await node.StopAsync();
            await node.DisposeAsync();
        }
    }
    return results;
}

// --- what a call costs, per end: each client against each server, CPU and allocations per call (both ends, this process)
async Task CostAsync()
{
    // Raw grpc-dotnet client against the Micro server, and the Micro client against the raw server (through a registry of its own).
    using var toMicroChannel = RawServer.Channel("http://" + micro.Address);
    var rawToMicro = new Bench.BenchClient(toMicroChannel);
    var rawOnly = new MemoryRegistry();
    await rawOnly.RegisterAsync(new ServiceInfo
    {
        Name = "benchraw", Nodes = [new NodeInfo { Id = "raw", Address = new Uri(rawAddress).Authority }], Endpoints = [new EndpointInfo { Name = "Bench.Echo" }],
    }, new RegisterOptions { Ttl = TimeSpan.FromHours(1) });
    await using var microToRaw = new MicroClient(rawOnly, NewSelector(selectorName));
    // The same with one client middleware that only passes the call on: what composing the pipeline costs per call.
    await using var microPassThroughToRaw = new MicroClient(rawOnly, NewSelector(selectorName), middleware: [new PassThrough()]);
    // The other selector (random when p2c is on test): what p2c's per-call bookkeeping costs.
    await using var microOtherSelectorToRaw = new MicroClient(rawOnly, NewSelector(selectorName == "p2c" ? "random" : "p2c"));
    using var sharedToken = new CancellationTokenSource();
    using var rawAgainChannel = RawServer.Channel(rawAddress);
    // Raw grpc-dotnet's generated client on the very channel Micro's client would open (its ChannelPool, default
    // options: keep-alive pings, connect timeout, no HttpClient activity propagator, receive limit): what the channel
    // settings alone cost.
    using var microChannels = new Micro.Client.Internal.ChannelPool(new ClientOptions(), TimeProvider.System);
    var rawMicroLike = new Bench.BenchClient(microChannels.Get(new Uri(rawAddress).Authority).Invoker);
    var rawAgain = new Bench.BenchClient(rawAgainChannel);
    // Raw grpc-dotnet given an HttpClient instead of a handler: its calls then bypass the channel's load balancer
    // (BalancerHttpHandler: a connect check, a pick and request options per call) but go through HttpClient's SendAsync.
    using var viaHttpClientChannel = Grpc.Net.Client.GrpcChannel.ForAddress(rawAddress, new Grpc.Net.Client.GrpcChannelOptions
    {
        HttpClient = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true }) { Timeout = Timeout.InfiniteTimeSpan },
        DisposeHttpClient = true,
    });
    var rawViaHttpClient = new Bench.BenchClient(viaHttpClientChannel);
    var pairs = new (string Name, Func<Task> Call)[]
    {
        ("raw -> raw", rawCall),
        // The same as raw -> raw on a channel of its own: an A/A pair, how far two identical sides measure apart.
        ("raw2 -> raw", () => rawAgain.EchoAsync(payload).ResponseAsync),
        ("raw+micro-channel -> raw", () => rawMicroLike.EchoAsync(payload).ResponseAsync),
        ("raw+httpclient -> raw", () => rawViaHttpClient.EchoAsync(payload).ResponseAsync),
        // What a deadline on the wire costs (a timer at each end, grpc-timeout): a Micro call with its own timeout pays it.
        ("raw+deadline -> raw", () => rawClient.EchoAsync(payload, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync),
        // What a cancellation token costs a call (grpc-dotnet registers on it): Micro's default timeout is a shared token.
        ("raw+token -> raw", () => rawClient.EchoAsync(payload, cancellationToken: sharedToken.Token).ResponseAsync),
        ("micro+timeout -> raw", () => microToRaw.CallAsync<Payload, Payload>("benchraw", "Bench.Echo", payload, new Micro.Client.CallOptions { Timeout = TimeSpan.FromSeconds(10) })),
        ("micro -> raw", () => microToRaw.CallAsync<Payload, Payload>("benchraw", "Bench.Echo", payload)),
        ("micro+middleware -> raw", () => microPassThroughToRaw.CallAsync<Payload, Payload>("benchraw", "Bench.Echo", payload)),
        ("micro+other-selector -> raw", () => microOtherSelectorToRaw.CallAsync<Payload, Payload>("benchraw", "Bench.Echo", payload)),
        ("raw -> micro", () => rawToMicro.EchoAsync(payload).ResponseAsync),
        ("micro -> micro", microCall),
    };
    // --pair "micro -> raw": only that pair (e.g. to run it under dotnet-trace); several, comma-separated.
    if (BenchArgs.String(args, "--pair", "") is { Length: > 0 } only)
    {
        var chosen = only.Split(',', StringSplitOptions.TrimEntries);
        pairs = pairs.Where(p => chosen.Contains(p.Name)).ToArray();
    }
    Console.WriteLine($"# call cost: {seconds} s per measurement, median of {rounds} rounds, the pairs taking turns in {slice} s slices, both ends in this process, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");
    // --in-flight N: only that concurrency (default both 1 and 64).
    var concurrencies = args.Contains("--in-flight") ? [BenchArgs.Int(args, "--in-flight", 64)] : new[] { 1, 64 };
    foreach (var concurrency in concurrencies)
    {
        foreach (var (_, call) in pairs) await LoadLoop.MeasureAsync(call, concurrency, TimeSpan.FromSeconds(5)); // warm-up (tiered JIT)
        var costs = pairs.ToDictionary(p => p.Name, _ => new List<Result>());
        for (var round = 0; round < rounds; round++)
        {
            var measured = await LoadLoop.MeasureInterleavedAsync(pairs.Select(p => p.Call).ToArray(), concurrency,
                TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(slice));
            for (var i = 0; i < pairs.Length; i++) costs[pairs[i].Name].Add(measured[i]);
            Console.WriteLine($"# round {round}: " + string.Join(", ", pairs.Select((p, i) => $"{p.Name} {measured[i].Throughput:F0} req/s {measured[i].CpuUs:F1} us")));
        }
        Console.WriteLine($"{"client -> server",-24} {"in flight",9} {"bytes/call",10} {"cpu us/call",11} {"req/s",8} {"work items/call",15} {"lock waits/call",15}");
        foreach (var (name, _) in pairs)
        {
            double Mid(Func<Result, double> f) => Median(costs[name].Select(f).ToList());
            Console.WriteLine($"{name,-24} {concurrency,9} {Mid(c => c.Bytes),10:F0} {Mid(c => c.CpuUs),11:F1} {Mid(c => c.Throughput),8:F0} {Mid(c => c.WorkItems),15:F2} {Mid(c => c.Contentions),15:F4}");
        }
    }
    if (!args.Contains("--types")) return;
    // Which types each side allocates (sampled by the runtime), per call, against raw -> raw: where the extra bytes come from.
    using var sampler = new AllocationSampler();
    Dictionary<string, double>? baseline = null;
    foreach (var (name, call) in pairs)
    {
        var types = await sampler.SampleAsync(async () => (await LoadLoop.MeasureAsync(call, 64, TimeSpan.FromSeconds(4 * seconds))).Bytes);
        var first = baseline is null;
        baseline ??= types;
        var shown = first ? types.Select(t => (t.Key, Bytes: t.Value))
            : types.Select(t => (t.Key, Bytes: t.Value - baseline.GetValueOrDefault(t.Key)))
                .Concat(baseline.Where(b => !types.ContainsKey(b.Key)).Select(b => (b.Key, Bytes: -b.Value)));
        Console.WriteLine($"# {name}, bytes per call by type{(first ? "" : " beyond raw -> raw")}: "
            + string.Join(", ", shown.Where(t => Math.Abs(t.Bytes) >= 24).OrderByDescending(t => t.Bytes).Take(30).Select(t => $"{t.Key} {t.Bytes:F0}")));
    }
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

internal sealed record SlowResult(double Share, Result Result);

/// <summary>A client middleware that does nothing but call the next one.</summary>
internal sealed class PassThrough : Micro.Middleware.IClientMiddleware
{
    public Task<object?> InvokeAsync(Micro.Middleware.ClientCall call, Micro.Middleware.ClientCallHandler next) => next(call);
}
