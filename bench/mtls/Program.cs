// Unary calls through Micro over mTLS (strict: client certificate, chain and SPIFFE identity checked by both sides)
// against the same calls over h2c, in one process and one run: same payload, same concurrency, alternating order.
//   bench/run.sh mtls [--seconds 5] [--rounds 3] [--payload 64]
// Connections are long-lived: the handshake is paid once per connection, not per call.
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Micro;
using Micro.Bench.Mtls;
using Micro.Client;
using Micro.Identity;
using Micro.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var seconds = BenchArgs.Int(args, "--seconds", 5);
var payloadBytes = BenchArgs.Int(args, "--payload", 64);
var rounds = BenchArgs.Int(args, "--rounds", 3);
var payload = new Payload { Data = ByteString.CopyFrom(new byte[payloadBytes]) };
var registry = new MemoryRegistry();
using var authority = CertificateAuthority.Create("bench.micro");
var issuer = new LocalCertificateIssuer(authority, TimeSpan.FromHours(1));

await using var h2c = await StartAsync("bench-h2c", TlsMode.Off);
await using var mtls = await StartAsync("bench-mtls", TlsMode.Strict);
await using var identity = new WorkloadIdentity("bench-client", "bench.micro", issuer);
await identity.StartAsync();
await using var h2cClient = new MicroClient(registry);
await using var mtlsClient = new MicroClient(registry, security: new TransportSecurity(TlsMode.Strict, identity, TimeSpan.FromMinutes(10)));
var sides = new (string Name, Func<Task> Call)[]
{
    ("h2c", () => h2cClient.CallAsync<Payload, Payload>("bench-h2c", "Bench.Echo", payload)),
    ("mtls", () => mtlsClient.CallAsync<Payload, Payload>("bench-mtls", "Bench.Echo", payload)),
};

Console.WriteLine($"# mtls benchmark: {Environment.ProcessorCount} cores, {payloadBytes}-byte payload, {seconds}s per measurement after a 5s warm-up, {rounds} rounds (medians), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"{"side",-6} {"in flight",9} {"req/s",10} {"p50 us",8} {"p99 us",8}");
var results = new Dictionary<(string, int), List<Result>>();
foreach (var concurrency in new[] { 1, 64 })
{
    foreach (var (_, call) in sides) await LoadLoop.MeasureAsync(call, concurrency, TimeSpan.FromSeconds(5)); // warm-up, JIT tiering settles
    for (var round = 0; round < rounds; round++)
    {
        // Alternate the order so neither side always runs on a warmer machine.
        foreach (var (name, call) in round % 2 == 0 ? sides : sides.Reverse())
        {
            var result = await LoadLoop.MeasureAsync(call, concurrency, TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"{name,-6} {concurrency,9} {result.Throughput,10:F0} {result.P50Us,8:F0} {result.P99Us,8:F0}");
            (results.TryGetValue((name, concurrency), out var list) ? list : results[(name, concurrency)] = []).Add(result);
        }
    }
}
Result Median(string name, int concurrency)
{
    var list = results[(name, concurrency)].OrderBy(r => r.Throughput).ToList();
    return list[list.Count / 2];
}
foreach (var concurrency in new[] { 1, 64 })
{
    var h = Median("h2c", concurrency);
    var m = Median("mtls", concurrency);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"median at {concurrency,2} in flight: h2c {h.Throughput:F0} req/s (p50 {h.P50Us:F0} us, p99 {h.P99Us:F0} us), mtls {m.Throughput:F0} req/s (p50 {m.P50Us:F0} us, p99 {m.P99Us:F0} us), mtls/h2c {m.Throughput / h.Throughput:F2}"));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mtls/h2c throughput at 64 in flight: {Median("mtls", 64).Throughput / Median("h2c", 64).Throughput:F2}"));
await h2c.StopAsync();
await mtls.StopAsync();

async Task<MicroApp> StartAsync(string name, TlsMode mode)
{
    var builder = MicroService.CreateBuilder([], name);
    builder.Logging.ClearProviders();
    builder.Services.AddSingleton<IRegistry>(registry);
    builder.Services.AddMicroTls(o => o.Mode = mode);
    builder.Services.AddMicroIdentity(o => o.TrustDomain = "bench.micro");
    builder.Services.AddSingleton<ICertificateIssuer>(issuer);
    builder.Handle<Payload, Payload>("Bench.Echo", (request, context) => request);
    var app = builder.Build();
    await app.StartAsync();
    return app;
}
