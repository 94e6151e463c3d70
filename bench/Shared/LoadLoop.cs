using System.Diagnostics;

/// <summary>
/// The closed-loop load of the RPC benchmarks (rpc, auth, mtls, tracing): <c>concurrency</c> workers call back to back for
/// <c>duration</c> (and at most 2,000,000 calls each), recording each call's latency, and what the calls cost the
/// process (CPU time and bytes allocated, both ends when client and server share the process). Linked into each benchmark.
/// </summary>
internal static class LoadLoop
{
    /// <summary>
    /// Runs every side in turn at <paramref name="concurrency"/> in 2 s windows until two windows in a row agree within 3 %
    /// for each side (at least 40 s, at most 90 s): tiered JIT on 2 cores takes tens of seconds to settle (its background
    /// compiles compete with 64 callers for the cores), and plateaus on the way look stable for a few windows. Returns the time taken and the last window's throughput per side.
    /// </summary>
    public static async Task<(TimeSpan Took, double[] Last)> WarmUpAsync(IReadOnlyList<Func<Task<double>>> sides)
    {
        var warmup = Stopwatch.StartNew();
        var last = new double[sides.Count];
        for (var window = 0; warmup.Elapsed < TimeSpan.FromSeconds(90); window++)
        {
            var stable = window > 0;
            for (var i = 0; i < sides.Count; i++)
            {
                var throughput = await sides[i]();
                stable &= Math.Abs(throughput / last[i] - 1) < 0.03;
                last[i] = throughput;
            }
            if (stable && warmup.Elapsed > TimeSpan.FromSeconds(40)) break;
        }
        return (warmup.Elapsed, last);
    }

    public static async Task<Result> MeasureAsync(Func<Task> call, int concurrency, TimeSpan duration)
    {
        const int maxCallsPerWorker = 2_000_000; // bound on count as well as time
        var latencies = Enumerable.Range(0, concurrency).Select(_ => new LatencyHistogram()).ToArray(); // before the counters start
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true); // precise: with server GC the cheap count only moves at collections
        var pausedBefore = GC.GetTotalPauseDuration();
        var stopwatch = Stopwatch.StartNew();
        var end = duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        var workers = latencies.Select(mine => Task.Run(async () =>
        {
            for (var n = 0; n < maxCallsPerWorker && stopwatch.ElapsedTicks < end; n++)
            {
                var start = Stopwatch.GetTimestamp();
                await call();
                mine.Record(Stopwatch.GetTimestamp() - start);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        var paused = GC.GetTotalPauseDuration() - pausedBefore;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var all = new LatencyHistogram();
        foreach (var worker in latencies) all.Add(worker);
        double Us(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        return new Result(all.Count / elapsed, Us(all.ValueAt(0.5)), Us(all.ValueAt(0.99)), cpu / all.Count, (double)bytes / all.Count)
        {
            GcPauseUs = paused.TotalMicroseconds / all.Count,
        };
    }
}

/// <summary>
/// One measurement: calls per second, latency percentiles in microseconds, and per call the process's CPU time in
/// microseconds and bytes allocated (less noisy than throughput on a shared machine: other processes' load does not count).
/// </summary>
internal sealed record Result(double Throughput, double P50Us, double P99Us, double CpuUs, double Bytes)
{
    /// <summary>Time the process was paused for garbage collection, per call (microseconds): what the bytes cost.</summary>
    public double GcPauseUs { get; init; }
}
