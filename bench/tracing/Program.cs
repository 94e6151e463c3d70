// Unary Micro calls with tracing off (nobody listens) against tracing on (OpenTelemetry SDK, every call sampled: a client
// call span and a server span, an attempt span only for an attempt that failed; traceparent propagated; a processor that
// drops every span, so only the cost of producing them is measured), in one run, the sides taking turns in 0.1 s slices. Optionally a third side with metrics on as well.
// The same pair for raw grpc-dotnet (protoc-generated client and server) traced the platform's own way: the SDK listening
// to ASP.NET Core's server activity and HttpClient's client activity, which read and write traceparent themselves.
//   bench/run.sh tracing [--seconds 2] [--rounds 11] [--slice 0.1] [--payload 64] [--metrics] [--explain] [--side NAME[,NAME...]] [--types]
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Micro;
using Micro.Bench.Rpc;
using Micro.OpenTelemetry;
using Micro.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var seconds = BenchArgs.Number(args, "--seconds", 2);
var rounds = BenchArgs.Int(args, "--rounds", 11);
var slice = BenchArgs.Number(args, "--slice", 0.1); // seconds; the sides take turns this often
var payloadBytes = BenchArgs.Int(args, "--payload", 64);
var withMetrics = args.Contains("--metrics");
const int InFlight = 64;
var payload = new Payload { Data = ByteString.CopyFrom(new byte[payloadBytes]) };

var registry = new MemoryRegistry();
var builder = MicroService.CreateBuilder([], "bench");
builder.Logging.ClearProviders();
builder.Services.AddSingleton<IRegistry>(registry);
builder.Handle<Payload, Payload>("Bench.Echo", (request, context) => request);
await using var server = builder.Build();
await server.StartAsync();
// A client from the container, as services get it: the telemetry middleware is in its pipeline.
await using var client = MicroService.CreateClient([], services =>
{
    services.AddSingleton<IRegistry>(registry);
    services.AddLogging(l => l.ClearProviders());
});
Func<Task> microCall = () => client.CallAsync<Payload, Payload>("bench", "Bench.Echo", payload);

// Raw grpc-dotnet, as in bench/rpc: generated server on Kestrel h2c, generated client on a GrpcChannel.
var (raw, rawAddress) = await RawServer.StartAsync();
using var rawChannel = RawServer.Channel(rawAddress);
var rawClient = new Bench.BenchClient(rawChannel);
Func<Task> rawCall = () => rawClient.EchoAsync(payload).ResponseAsync;

var sides = new List<(string Name, Func<IDisposable?> Start, Func<Task> Call)>
{
    ("plain", () => null, microCall),
    ("traced", () => Sdk.CreateTracerProviderBuilder().SetSampler(new AlwaysOnSampler()).AddMicroInstrumentation().AddProcessor(new DropProcessor()).Build(), microCall),
    ("raw plain", () => null, rawCall),
    // The platform's own spans (what OpenTelemetry's ASP.NET Core and HttpClient instrumentation turn on): a server
    // span per request and a client span per HTTP request, traceparent written by HttpClient and read by ASP.NET Core.
    ("raw traced", () => Sdk.CreateTracerProviderBuilder().SetSampler(new AlwaysOnSampler()).AddSource("Microsoft.AspNetCore", "System.Net.Http").AddProcessor(new DropProcessor()).Build(), rawCall),
};
if (args.Contains("--explain"))
{
    // Where the cost goes: a bare System.Diagnostics listener (no SDK), recording or only propagating.
    sides.Add(("listener", () => Listen(ActivitySamplingResult.AllDataAndRecorded), microCall));
    sides.Add(("propagate-only", () => Listen(ActivitySamplingResult.PropagationData), microCall));
}
if (withMetrics)
    sides.Add(("traced+metrics", () => new Both(
        Sdk.CreateTracerProviderBuilder().SetSampler(new AlwaysOnSampler()).AddMicroInstrumentation().AddProcessor(new DropProcessor()).Build(),
        Sdk.CreateMeterProviderBuilder().AddMicroInstrumentation().Build()), microCall));

// --side NAME[,NAME...]: measure only those sides (for a profiler attached to the process, or a closer look at a few).
if (args.Contains("--side"))
{
    var only = args[Array.IndexOf(args, "--side") + 1].Split(',', StringSplitOptions.TrimEntries);
    sides.RemoveAll(s => !only.Contains(s.Name));
}
Console.WriteLine($"# tracing benchmark: {Environment.ProcessorCount} cores, {payloadBytes}-byte payload, {InFlight} in flight, {seconds}s per measurement, {rounds} rounds (median), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
// Warm-up past JIT tiering on every path (DOTNET_TC_CallCountingDelayMs=0 is set by run.sh), until each side is stable.
var (warmupTook, _) = await LoadLoop.WarmUpAsync(sides.Select(s => (Func<Task<double>>)(async () =>
{
    using (s.Start()) return (await LoadLoop.MeasureAsync(s.Call, InFlight, TimeSpan.FromSeconds(2))).Throughput;
})).ToList());
Console.WriteLine($"# warm-up: {warmupTook.TotalSeconds:F0} s until stable");
var results = sides.ToDictionary(s => s.Name, _ => new List<Result>());
Console.WriteLine($"{"side",-15} {"req/s",10} {"p50 us",8} {"p99 us",8} {"cpu us/call",12} {"B/call",8} {"gc us/call",10}");
for (var round = 0; round < rounds; round++)
{
    // Each round: the sides take turns in short slices (see LoadLoop.MeasureInterleavedAsync), `seconds` per side in all; a
    // side's tracer provider is built before each of its slices and disposed after, outside the counted time.
    var measured = await LoadLoop.MeasureInterleavedAsync(sides.Select(s => s.Call).ToArray(), InFlight,
        TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(slice), sides.Select(s => s.Start).ToArray());
    for (var i = 0; i < sides.Count; i++)
    {
        var (name, result) = (sides[i].Name, measured[i]);
        results[name].Add(result);
        Console.WriteLine($"{name,-15} {result.Throughput,10:F0} {result.P50Us,8:F0} {result.P99Us,8:F0} {result.CpuUs,12:F1} {result.Bytes,8:F0} {result.GcPauseUs,10:F2}");
    }
}
if (args.Contains("--types"))
{
    // Which types each side allocates beyond its plain side (the runtime's allocation sampling): where tracing's bytes go.
    using var sampler = new AllocationSampler();
    var sampled = new Dictionary<string, Dictionary<string, double>>();
    foreach (var (name, start, call) in sides)
    {
        Dictionary<string, double> types;
        using (start()) types = await sampler.SampleAsync(async () => (await LoadLoop.MeasureAsync(call, InFlight, TimeSpan.FromSeconds(4 * seconds))).Bytes);
        sampled[name] = types;
        var plainName = name.StartsWith("raw", StringComparison.Ordinal) ? "raw plain" : "plain";
        if (name == plainName || !sampled.TryGetValue(plainName, out var plainTypes)) continue;
        var extra = types.Select(t => (t.Key, Bytes: t.Value - plainTypes.GetValueOrDefault(t.Key)))
            .Concat(plainTypes.Where(p => !types.ContainsKey(p.Key)).Select(p => (p.Key, Bytes: -p.Value)))
            .Where(t => Math.Abs(t.Bytes) >= 8).OrderByDescending(t => Math.Abs(t.Bytes)).Take(30);
        Console.WriteLine($"# {name}, bytes per call by type beyond {plainName}:");
        foreach (var (type, bytes) in extra) Console.WriteLine($"#   {bytes,7:F0}  {type}");
    }
}
if (sides.Count < 2) return;
double Median(string name) { var t = results[name].Select(r => r.Throughput).Order().ToList(); return t[t.Count / 2]; }
double MedianCpu(string name) { var t = results[name].Select(r => r.CpuUs).Order().ToList(); return t[t.Count / 2]; }
double MedianBytes(string name) { var t = results[name].Select(r => r.Bytes).Order().ToList(); return t[t.Count / 2]; }
foreach (var (name, _, _) in sides) Console.WriteLine($"median {name,-15} {Median(name),10:F0} req/s, {MedianCpu(name),6:F1} us of CPU per call, {MedianBytes(name),6:F0} bytes allocated per call");
await server.StopAsync();
await raw.StopAsync();
// Each round's ratio pairs sides measured in interleaved slices, so a slow second of the machine moves both; the median
// of those ratios is the figure (as in bench/run.sh rpc).
double Ratio(string name, string plain) { var r = results[name].Zip(results[plain], (a, b) => a.Throughput / b.Throughput).Order().ToList(); return r[r.Count / 2]; }
double RatioToPlain(string name) => Ratio(name, "plain");
if (results.ContainsKey("raw traced") && results.ContainsKey("raw plain"))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw plain/traced CPU per call: {MedianCpu("raw plain") / MedianCpu("raw traced"):F2}"));
    // What tracing costs raw grpc-dotnet the platform's way, next to what it costs Micro (the last line).
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw traced/plain throughput at {InFlight} in flight: {Ratio("raw traced", "raw plain"):F2}"));
}
if (!results.ContainsKey("plain")) return;
// Every other Micro side against plain (--explain's listener sides, --metrics); traced last, the issue's figure.
foreach (var name in results.Keys.Where(n => !n.StartsWith("raw", StringComparison.Ordinal) && n is not "plain" and not "traced"))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}/plain throughput at {InFlight} in flight: {RatioToPlain(name):F2}"));
if (!results.ContainsKey("traced")) return;
// On a machine shared with other work, throughput follows the CPU share this process gets; CPU per call does not.
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plain/traced CPU per call: {MedianCpu("plain") / MedianCpu("traced"):F2}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"traced/plain throughput at {InFlight} in flight: {RatioToPlain("traced"):F2}"));

static IDisposable Listen(ActivitySamplingResult result)
{
    var listener = new ActivityListener
    {
        ShouldListenTo = source => source.Name == "Micro",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => result,
    };
    ActivitySource.AddActivityListener(listener);
    return listener;
}

/// <summary>The no-op exporter: every span is produced and ended, then dropped.</summary>
internal sealed class DropProcessor : BaseProcessor<Activity>;

internal sealed class Both(IDisposable a, IDisposable b) : IDisposable
{
    public void Dispose()
    {
        a.Dispose();
        b.Dispose();
    }
}
