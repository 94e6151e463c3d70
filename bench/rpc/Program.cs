// Unary calls through Micro (client -> server, both via the framework) against raw grpc-dotnet
// (protoc-generated client and server), same payload, same process layout (server and client in this
// process, loopback h2c), same concurrency, in one run.
//   bench/run.sh rpc [--seconds 5] [--payload 64] [--rounds 2] [--raw-deadline]
// Micro always sends a deadline (its default timeout); --raw-deadline gives the raw client one too.
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Micro;
using Micro.Bench.Rpc;
using Micro.Client;
using Micro.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var seconds = Arg("--seconds", 5);
var payloadBytes = Arg("--payload", 64);
var rounds = Arg("--rounds", 2);
var payload = new Payload { Data = ByteString.CopyFrom(new byte[payloadBytes]) };

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
await using var microClient = new MicroClient(registry);

Func<Task> rawCall = args.Contains("--raw-deadline") ? () => rawClient.EchoAsync(payload, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync : () => rawClient.EchoAsync(payload).ResponseAsync;
Func<Task> microCall = () => microClient.CallAsync<Payload, Payload>("bench", "Bench.Echo", payload);

Console.WriteLine($"# rpc benchmark: {Environment.ProcessorCount} cores, {payloadBytes}-byte payload, {seconds}s per measurement, {rounds} rounds (best kept), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"{"impl",-6} {"in flight",9} {"req/s",10} {"p50 us",8} {"p99 us",8}");
var results = new Dictionary<(string, int), Result>();
foreach (var concurrency in new[] { 1, 64 })
{
    for (var round = 0; round < rounds; round++)
    {
        // Alternate the order so neither side always runs on a warmer machine.
        var order = round % 2 == 0 ? new[] { ("raw", rawCall), ("micro", microCall) } : new[] { ("micro", microCall), ("raw", rawCall) };
        foreach (var (name, call) in order)
        {
            await Measure(call, concurrency, TimeSpan.FromSeconds(1)); // warm-up
            var result = await Measure(call, concurrency, TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"{name,-6} {concurrency,9} {result.Throughput,10:F0} {result.P50Us,8:F0} {result.P99Us,8:F0}");
            if (!results.TryGetValue((name, concurrency), out var best) || result.Throughput > best.Throughput) results[(name, concurrency)] = result;
        }
    }
}
foreach (var concurrency in new[] { 1, 64 })
{
    var r = results[("raw", concurrency)];
    var m = results[("micro", concurrency)];
    Console.WriteLine($"best at {concurrency,2} in flight: raw {r.Throughput:F0} req/s (p50 {r.P50Us:F0} us, p99 {r.P99Us:F0} us), micro {m.Throughput:F0} req/s (p50 {m.P50Us:F0} us, p99 {m.P99Us:F0} us), micro/raw {m.Throughput / r.Throughput:F2}");
}
var ratio = results[("micro", 64)].Throughput / results[("raw", 64)].Throughput;
await micro.StopAsync();
await raw.StopAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"micro/raw throughput at 64 in flight: {ratio:F2}"));

static async Task<Result> Measure(Func<Task> call, int concurrency, TimeSpan duration)
{
    const int maxCallsPerWorker = 2_000_000; // bound on count as well as time
    var latencies = new List<long>[concurrency];
    var stopwatch = Stopwatch.StartNew();
    var end = duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
    var workers = Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
    {
        var mine = latencies[i] = new List<long>(1 << 16);
        for (var n = 0; n < maxCallsPerWorker && stopwatch.ElapsedTicks < end; n++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            mine.Add(Stopwatch.GetTimestamp() - start);
        }
    })).ToArray();
    await Task.WhenAll(workers);
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    var all = latencies.SelectMany(l => l).ToArray();
    Array.Sort(all);
    double Us(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
    return new Result(all.Length / elapsed, Us(all[all.Length / 2]), Us(all[(int)(all.Length * 0.99)]));
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record Result(double Throughput, double P50Us, double P99Us);

internal sealed class RawBench : Bench.BenchBase
{
    public override Task<Payload> Echo(Payload request, ServerCallContext context) => Task.FromResult(request);
}
