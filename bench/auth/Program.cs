// Micro unary calls with auth on against the same calls with auth off, in one process and one run:
// two Micro services on loopback h2c, identical handlers; "secure" runs MICRO_AUTH=jwt (every call:
// bearer header parsed, token looked up in the validated-token cache, rules verified) and its client
// attaches a service token; "plain" has auth off. Rounds alternate the order; medians are reported.
//   bench/run.sh auth [--seconds 5] [--rounds 3] [--payload 64]
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Micro;
using Micro.Auth;
using Micro.Auth.Jwt;
using Micro.Bench.Rpc;
using Micro.Client;
using Micro.Registry;
using Micro.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var seconds = BenchArgs.Int(args, "--seconds", 5);
var rounds = BenchArgs.Int(args, "--rounds", 3);
var payloadBytes = BenchArgs.Int(args, "--payload", 64);
var payload = new Payload { Data = ByteString.CopyFrom(new byte[payloadBytes]) };

var registry = new MemoryRegistry();
var store = new MemoryStore();

async Task<MicroApp> Start(string name, bool auth)
{
    var builder = MicroService.CreateBuilder([], name);
    builder.Logging.ClearProviders();
    builder.Services.AddSingleton<IRegistry>(registry);
    builder.Services.AddSingleton<IStore>(store);
    if (auth) builder.Services.UseJwtAuth();
    builder.Handle<Payload, Payload>("Bench.Echo", (request, context) => request);
    var app = builder.Build();
    await app.StartAsync();
    return app;
}

await using var plain = await Start("plain", auth: false);
await using var secure = await Start("secure", auth: true);

// The caller is a service of its own ("caller"), with its own auth node over the shared store.
var options = new AuthOptions { Plugin = "jwt" };
await using var callerAuth = new JwtAuth(store, options);
await callerAuth.GrantAsync(new Rule { Id = "caller-calls-secure", Scope = "service:caller", Resource = new Resource("service", "secure", "Bench.*") });
await ((JwtAuth)secure.Services.GetRequiredService<IAuth>()).ReloadAsync();
var credentials = new ServiceCredentials(callerAuth, options, "caller");
await using var plainClient = new MicroClient(registry);
await using var secureClient = new MicroClient(registry, credentials: credentials);

Func<Task> plainCall = () => plainClient.CallAsync<Payload, Payload>("plain", "Bench.Echo", payload);
Func<Task> secureCall = () => secureClient.CallAsync<Payload, Payload>("secure", "Bench.Echo", payload);
await secureCall(); // fails loudly here if the rule or the token is wrong

Console.WriteLine($"# auth benchmark: {Environment.ProcessorCount} cores, {payloadBytes}-byte payload, {seconds}s per measurement, {rounds} rounds (median), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
// Warm both paths past tiering before anything is measured.
await LoadLoop.MeasureAsync(plainCall, 64, TimeSpan.FromSeconds(5));
await LoadLoop.MeasureAsync(secureCall, 64, TimeSpan.FromSeconds(5));
Console.WriteLine($"{"side",-6} {"in flight",9} {"req/s",10} {"p50 us",8} {"p99 us",8}");
var results = new Dictionary<(string, int), List<Result>>();
foreach (var concurrency in new[] { 1, 64 })
{
    for (var round = 0; round < rounds; round++)
    {
        var order = round % 2 == 0 ? new[] { ("plain", plainCall), ("auth", secureCall) } : new[] { ("auth", secureCall), ("plain", plainCall) };
        foreach (var (name, call) in order)
        {
            await LoadLoop.MeasureAsync(call, concurrency, TimeSpan.FromSeconds(1));
            var result = await LoadLoop.MeasureAsync(call, concurrency, TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"{name,-6} {concurrency,9} {result.Throughput,10:F0} {result.P50Us,8:F0} {result.P99Us,8:F0}");
            (results.TryGetValue((name, concurrency), out var list) ? list : results[(name, concurrency)] = []).Add(result);
        }
    }
}
foreach (var concurrency in new[] { 1, 64 })
{
    var p = Median(results[("plain", concurrency)]);
    var a = Median(results[("auth", concurrency)]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"median at {concurrency,2} in flight: plain {p.Throughput:F0} req/s (p50 {p.P50Us:F0} us, p99 {p.P99Us:F0} us), auth {a.Throughput:F0} req/s (p50 {a.P50Us:F0} us, p99 {a.P99Us:F0} us)"));
}
var ratio = Median(results[("auth", 64)]).Throughput / Median(results[("plain", 64)]).Throughput;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"validated tokens cached on the server: {((JwtAuth)secure.Services.GetRequiredService<IAuth>()).CachedTokens}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"auth/plain throughput at 64 in flight: {ratio:F2}"));
await secure.StopAsync();
await plain.StopAsync();

static Result Median(List<Result> list) => list.OrderBy(r => r.Throughput).ElementAt(list.Count / 2);
