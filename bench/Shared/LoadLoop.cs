using System.Diagnostics;

/// <summary>
/// The closed-loop load of the RPC benchmarks (rpc, auth, mtls, tracing): <c>concurrency</c> workers call back to back for
/// <c>duration</c> (and at most 2,000,000 calls each), recording each call's latency, and what the calls cost the
/// process (CPU time and bytes allocated, both ends when client and server share the process). Linked into each benchmark.
/// </summary>
internal static class LoadLoop
{
    public static async Task<Result> MeasureAsync(Func<Task> call, int concurrency, TimeSpan duration)
    {
        const int maxCallsPerWorker = 2_000_000; // bound on count as well as time
        var latencies = new List<long>[concurrency];
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true); // precise: with server GC the cheap count only moves at collections
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
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Us(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        return new Result(all.Length / elapsed, Us(all[all.Length / 2]), Us(all[(int)(all.Length * 0.99)]), cpu / all.Length, (double)bytes / all.Length);
    }
}

/// <summary>
/// One measurement: calls per second, latency percentiles in microseconds, and per call the process's CPU time in
/// microseconds and bytes allocated (less noisy than throughput on a shared machine: other processes' load does not count).
/// </summary>
internal sealed record Result(double Throughput, double P50Us, double P99Us, double CpuUs, double Bytes);
