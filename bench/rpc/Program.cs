// Unary calls through Micro (client -> server, both via the framework) against raw grpc-dotnet
// (protoc-generated client and server), same payload, same process layout (server and client in this
// process, loopback h2c), same concurrency, in one run; then the slow-node comparison of the selectors.
//   bench/run.sh rpc [--seconds 3] [--payload 64] [--rounds 5] [--raw-deadline] [--selector p2c|random]
// Warm-up runs both sides until their throughput is stable (tiered JIT settles; run.sh also sets
// DOTNET_TC_CallCountingDelayMs=0), then rounds alternate the order of raw and Micro; each round gives a
// micro/raw ratio and the median of those ratios is reported. Micro always sends a deadline (its default
// timeout); --raw-deadline gives the raw client one too.
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Micro;
using Micro.Bench.Rpc;
using Micro.Client;
using Micro.Registry;
using Micro.Tests.Shared.Selector;
using Micro.Selector;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var seconds = BenchArgs.Int(args, "--seconds", 3);
var payloadBytes = BenchArgs.Int(args, "--payload", 64);
var rounds = BenchArgs.Int(args, "--rounds", 5);
var selectorName = BenchArgs.String(args, "--selector", "p2c"); // the framework's default
var payload = new Payload { Data = ByteString.CopyFrom(new byte[payloadBytes]) };
ISelector NewSelector(string name) => name == "p2c" ? new PowerOfTwoChoicesSelector() : new RandomSelector();

// --- raw grpc-dotnet server + generated client
var rawBuilder = WebApplication.CreateSlimBuilder();
rawBuilder.Logging.ClearProviders();
rawBuilder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
rawBuilder.Services.AddGrpc();
var raw = rawBuilder.Build();
raw.MapGrpcService<RawBench>();
await raw.StartAsync();
var rawAddress = raw.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
using var rawChannel = GrpcChannel.ForAddress(rawAddress, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
var rawClient = new Bench.BenchClient(rawChannel);

// --- Micro server + Micro client, discovery through the in-memory registry
var registry = new MemoryRegistry();
var microBuilder = MicroService.CreateBuilder([], "bench");
microBuilder.Logging.ClearProviders();
microBuilder.Services.AddSingleton<IRegistry>(registry);
microBuilder.Handle<Payload, Payload>("Bench.Echo", (request, context) => request);
await using var micro = microBuilder.Build();
await micro.StartAsync();
await using var microClient = new MicroClient(registry, NewSelector(selectorName));

Func<Task> rawCall = args.Contains("--raw-deadline") ? () => rawClient.EchoAsync(payload, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync : () => rawClient.EchoAsync(payload).ResponseAsync;
Func<Task> microCall = () => microClient.CallAsync<Payload, Payload>("bench", "Bench.Echo", payload);

Console.WriteLine($"# rpc benchmark: {Environment.ProcessorCount} cores, {payloadBytes}-byte payload, {seconds}s per measurement, {rounds} rounds (median of per-round micro/raw), selector {selectorName}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");

// Warm-up: both sides at 64 in flight, 2 s windows, until two windows in a row agree within 3 % (at most 60 s).
var warmup = Stopwatch.StartNew();
double lastRaw = 0, lastMicro = 0;
for (var window = 0; warmup.Elapsed < TimeSpan.FromSeconds(60); window++)
{
    var r = (await LoadLoop.MeasureAsync(rawCall, 64, TimeSpan.FromSeconds(2))).Throughput;
    var m = (await LoadLoop.MeasureAsync(microCall, 64, TimeSpan.FromSeconds(2))).Throughput;
    var stable = window > 0 && Math.Abs(r / lastRaw - 1) < 0.03 && Math.Abs(m / lastMicro - 1) < 0.03;
    (lastRaw, lastMicro) = (r, m);
    if (stable && warmup.Elapsed > TimeSpan.FromSeconds(10)) break;
}
Console.WriteLine($"# warm-up: {warmup.Elapsed.TotalSeconds:F0} s until stable (last window raw {lastRaw:F0}, micro {lastMicro:F0} req/s)");
Console.WriteLine($"{"impl",-6} {"in flight",9} {"req/s",10} {"p50 us",8} {"p99 us",8}");

var ratios = new Dictionary<int, double>();
var medians = new Dictionary<(string, int), Result>();
foreach (var concurrency in new[] { 1, 64 })
{
    var perRound = new List<double>();
    var runs = new Dictionary<string, List<Result>> { ["raw"] = [], ["micro"] = [] };
    for (var round = 0; round < rounds; round++)
    {
        // Alternate the order so neither side always runs on a warmer machine.
        var order = round % 2 == 0 ? new[] { ("raw", rawCall), ("micro", microCall) } : new[] { ("micro", microCall), ("raw", rawCall) };
        var results = new Dictionary<string, Result>();
        foreach (var (name, call) in order)
        {
            var result = await LoadLoop.MeasureAsync(call, concurrency, TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"{name,-6} {concurrency,9} {result.Throughput,10:F0} {result.P50Us,8:F0} {result.P99Us,8:F0}");
            results[name] = result;
            runs[name].Add(result);
        }
        perRound.Add(results["micro"].Throughput / results["raw"].Throughput);
    }
    ratios[concurrency] = Median(perRound);
    foreach (var name in new[] { "raw", "micro" })
        medians[(name, concurrency)] = runs[name].OrderBy(x => x.Throughput).ElementAt(runs[name].Count / 2);
}
foreach (var concurrency in new[] { 1, 64 })
{
    var r = medians[("raw", concurrency)];
    var m = medians[("micro", concurrency)];
    Console.WriteLine($"median at {concurrency,2} in flight: raw {r.Throughput:F0} req/s (p50 {r.P50Us:F0} us, p99 {r.P99Us:F0} us), micro {m.Throughput:F0} req/s (p50 {m.P50Us:F0} us, p99 {m.P99Us:F0} us)");
}
await micro.StopAsync();
await raw.StopAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"micro/raw throughput at 1 in flight: {ratios[1]:F2}"));

// --- slow node: 3 nodes, one 10x slower (2 ms vs 20 ms handlers), 8 callers; which share of calls goes to it
var slow = await SlowNodeAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"slow node share: random {slow["random"].Share:F2}, p2c {slow["p2c"].Share:F2}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"micro/raw throughput at 64 in flight: {ratios[64]:F2}"));

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
            var result = await LoadLoop.MeasureAsync(call, 8, TimeSpan.FromSeconds(seconds));
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

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

internal sealed record SlowResult(double Share, Result Result);

internal sealed class RawBench : Bench.BenchBase
{
    public override Task<Payload> Echo(Payload request, ServerCallContext context) => Task.FromResult(request);
}
