// Publish -> handled throughput and latency, side by side in one run:
//   memory     in-process MemoryBroker (one publisher loop, one subscriber)
//   http       HTTP broker between two processes on loopback: this process publishes through its durable SQLite
//              outbox, a child process subscribes; a round ends when the publisher has every delivery acknowledged
//   jetstream  Micro's typed client path over JetStream against raw NATS.Net JetStream doing the same work
//              (publish with 256 in flight, durable pull consumer, explicit ack per message), alternating rounds
//   bench/run.sh pubsub [--quick]
// Ends with: "pubsub memory: N msgs/s", "pubsub http: N msgs/s", "pubsub jetstream micro/raw: R".
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Micro.Bench.PubSub;

if (args.Length > 0 && args[0] == "subscriber")
{
    await HttpSubscriberProcess.RunAsync();
    return;
}

var quick = args.Contains("--quick");
// --only jetstream (or memory, http) runs one part, for quick looks; the full run is what bench/README.md records.
var only = Array.IndexOf(args, "--only") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
bool Runs(string part) => only is null || only == part;
var rounds = quick ? 2 : 5;
Console.WriteLine($"# pubsub benchmark: {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, medians of {rounds} rounds after a warm-up round");
Console.WriteLine($"{"broker",-16} {"msgs",8} {"msgs/s",10} {"p50 ms",8} {"p99 ms",8} {"client cpu",10} {"nats cpu",10}   (cpu: us per message; jetstream only)");

Result? memory = null, memoryTyped = null, http = null;
if (Runs("memory"))
{
    memory = await Rounds("memory", rounds, () => MemoryBench.RunAsync(quick ? 200_000 : 1_000_000));
    memoryTyped = await Rounds("memory typed", rounds, () => MemoryBench.RunTypedAsync(quick ? 100_000 : 300_000));
}
if (Runs("http"))
{
    await using var httpBench = await HttpBench.StartAsync();
    http = await Rounds("http", rounds, () => httpBench.RunAsync(quick ? 20_000 : 100_000));
}

var nats = Environment.GetEnvironmentVariable("MICRO_TEST_NATS") ?? "127.0.0.1:42220";
var jetstreamCount = quick ? 20_000 : 50_000;
Result? rawMedian = null, rawHeadersMedian = null, microMedian = null;
if (Runs("jetstream"))
{
    var raw = new List<Result>();
    var rawHeaders = new List<Result>();
    var micro = new List<Result>();
    await JetStreamBench.RunRawAsync(nats, jetstreamCount / 2);   // warm-up of every side
    await JetStreamBench.RunRawAsync(nats, jetstreamCount / 2, headers: true);
    await JetStreamBench.RunMicroAsync(nats, jetstreamCount / 2);
    var sides = new (List<Result> Results, Func<Task<Result>> Run)[]
    {
        (raw, () => JetStreamBench.RunRawAsync(nats, jetstreamCount)),
        (rawHeaders, () => JetStreamBench.RunRawAsync(nats, jetstreamCount, headers: true)),
        (micro, () => JetStreamBench.RunMicroAsync(nats, jetstreamCount)),
    };
    // The order rotates each round, so no side always runs first or right after the same other side.
    for (var i = 0; i < rounds; i++)
        for (var j = 0; j < sides.Length; j++)
        {
            var (results, run) = sides[(i + j) % sides.Length];
            results.Add(await run());
        }
    rawMedian = Result.Median(raw);
    rawHeadersMedian = Result.Median(rawHeaders);
    microMedian = Result.Median(micro);
    Print("jetstream raw", rawMedian);
    Print("js raw+headers", rawHeadersMedian);
    Print("jetstream micro", microMedian);
}

if (memory is not null) Console.WriteLine($"pubsub memory: {memory.Rate:F0} msgs/s");
if (memoryTyped is not null) Console.WriteLine($"pubsub memory typed: {memoryTyped.Rate:F0} msgs/s");
if (http is not null) Console.WriteLine($"pubsub http: {http.Rate:F0} msgs/s");
if (rawMedian is not null && rawHeadersMedian is not null && microMedian is not null)
{
    // Two baselines: raw NATS.Net publishing the bare body, and raw NATS.Net publishing the same bytes Micro does
    // (body plus the CloudEvents headers and dedup id). The floor line compares like with like: the same message.
    // CPU per message (this process: publisher and subscriber; and the NATS server) says where each side's cost is.
    string Cpu(Result r) => string.Create(CultureInfo.InvariantCulture, $"client {r.ClientCpuUs:F1} us, nats-server {r.ServerCpuUs:F1} us");
    Console.WriteLine($"pubsub jetstream cpu per message: raw {Cpu(rawMedian)}; raw+headers {Cpu(rawHeadersMedian)}; micro {Cpu(microMedian)}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pubsub jetstream micro/raw-bare-body: {microMedian.Rate / rawMedian.Rate:F2}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"pubsub jetstream micro/raw: {microMedian.Rate / rawHeadersMedian.Rate:F2} (raw NATS.Net publishing the same message: body, CloudEvents headers, Nats-Msg-Id)"));
}

static async Task<Result> Rounds(string name, int rounds, Func<Task<Result>> run)
{
    await run(); // warm-up
    var results = new List<Result>();
    for (var i = 0; i < rounds; i++) results.Add(await run());
    var median = Result.Median(results);
    Print(name, median);
    return median;
}

static void Print(string name, Result r) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-16} {r.Count,8} {r.Rate,10:F0} {r.P50Ms,8:F2} {r.P99Ms,8:F2}")
        + (r.ClientCpuUs is { } client ? string.Create(CultureInfo.InvariantCulture, $" {client,10:F1}") : "")
        + (r.ServerCpuUs is { } server ? string.Create(CultureInfo.InvariantCulture, $" {server,10:F1}") : ""));

namespace Micro.Bench.PubSub
{
    /// <summary>One round: how many, how fast, latency percentiles (publish call to handler).</summary>
    public sealed record Result(int Count, double Rate, double P50Ms, double P99Ms)
    {
        /// <summary>CPU microseconds per message of this process (publisher and subscriber), when measured.</summary>
        public double? ClientCpuUs { get; init; }

        /// <summary>CPU microseconds per message of the NATS server, when measured.</summary>
        public double? ServerCpuUs { get; init; }

        public static Result Median(List<Result> results)
        {
            double Mid(Func<Result, double> f) => results.Select(f).Order().ElementAt(results.Count / 2);
            double? MidOrNull(Func<Result, double?> f) => results.All(r => f(r) is not null) ? Mid(r => f(r)!.Value) : null;
            return new Result(results[0].Count, Mid(r => r.Rate), Mid(r => r.P50Ms), Mid(r => r.P99Ms))
            {
                ClientCpuUs = MidOrNull(r => r.ClientCpuUs), ServerCpuUs = MidOrNull(r => r.ServerCpuUs),
            };
        }
    }

    /// <summary>Latency samples: the publish time travels in the body's first 8 bytes (UTC ticks, comparable across processes).</summary>
    public sealed class Latencies(int capacity)
    {
        private readonly long[] _samples = new long[capacity];
        private int _count;

        public static void Stamp(Span<byte> body) => BinaryPrimitives.WriteInt64LittleEndian(body, DateTime.UtcNow.Ticks);

        public void Record(ReadOnlySpan<byte> body)
        {
            var i = Interlocked.Increment(ref _count) - 1;
            if (i < _samples.Length) _samples[i] = DateTime.UtcNow.Ticks - BinaryPrimitives.ReadInt64LittleEndian(body);
        }

        public (double P50, double P99) Percentiles()
        {
            var n = Math.Min(_count, _samples.Length);
            if (n == 0) return (0, 0);
            var sorted = _samples.AsSpan(0, n).ToArray();
            Array.Sort(sorted);
            return (sorted[n / 2] / 10_000.0, sorted[Math.Min(n - 1, n * 99 / 100)] / 10_000.0);
        }
    }
}
