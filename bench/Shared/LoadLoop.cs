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
        var tally = new Tally(concurrency);
        await RunAsync(call, tally, duration);
        return tally.Result();
    }

    /// <summary>
    /// Measures several sides in short slices that take turns (side 0, 1, ..., then the next slice starting one side
    /// later), slices of <paramref name="slice"/> adding up to <paramref name="perSide"/> for each side (at least one),
    /// and sums each side's slices.
    /// This VM's speed drifts by up to 2x over seconds (CPU per call moves with it, for every side alike), so sides
    /// measured seconds apart differ by the drift; slices a fraction of a second apart see the same machine.
    /// <paramref name="around"/>, when given, is entered before each slice of a side and left after it, outside the
    /// counted time and cost (e.g. a tracer provider that only that side has).
    /// </summary>
    public static async Task<Result[]> MeasureInterleavedAsync(IReadOnlyList<Func<Task>> sides, int concurrency, TimeSpan perSide, TimeSpan slice,
        IReadOnlyList<Func<IDisposable?>>? around = null)
    {
        var slices = Math.Max(1, (int)Math.Round(perSide / slice));
        var tallies = sides.Select(_ => new Tally(concurrency)).ToArray();
        for (var n = 0; n < slices; n++)
            for (var i = 0; i < sides.Count; i++)
            {
                var side = (i + n) % sides.Count;
                using (around?[side]()) await RunAsync(sides[side], tallies[side], slice);
            }
        return tallies.Select(t => t.Result()).ToArray();
    }

    private static async Task RunAsync(Func<Task> call, Tally tally, TimeSpan duration)
    {
        const int maxCallsPerWorker = 2_000_000; // bound on count as well as time
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true); // precise: with server GC the cheap count only moves at collections
        var pausedBefore = GC.GetTotalPauseDuration();
        var workItemsBefore = ThreadPool.CompletedWorkItemCount;
        var contentionsBefore = Monitor.LockContentionCount;
        var stopwatch = Stopwatch.StartNew();
        var end = duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        var workers = tally.Workers.Select(mine => Task.Run(async () =>
        {
            for (var n = 0; n < maxCallsPerWorker && stopwatch.ElapsedTicks < end; n++)
            {
                var start = Stopwatch.GetTimestamp();
                await call();
                mine.Record(Stopwatch.GetTimestamp() - start);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        tally.Seconds += stopwatch.Elapsed.TotalSeconds;
        tally.Bytes += GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        tally.Paused += GC.GetTotalPauseDuration() - pausedBefore;
        tally.WorkItems += ThreadPool.CompletedWorkItemCount - workItemsBefore;
        tally.Contentions += Monitor.LockContentionCount - contentionsBefore;
        process.Refresh();
        tally.CpuUs += (process.TotalProcessorTime - cpuBefore).TotalMicroseconds;
    }

    /// <summary>What one side's calls added up to over one or more runs: one latency histogram per worker, allocated before any run.</summary>
    private sealed class Tally(int concurrency)
    {
        public LatencyHistogram[] Workers { get; } = Enumerable.Range(0, concurrency).Select(_ => new LatencyHistogram()).ToArray();
        public double Seconds { get; set; }
        public double CpuUs { get; set; }
        public long Bytes { get; set; }
        public TimeSpan Paused { get; set; }
        public long WorkItems { get; set; }
        public long Contentions { get; set; }

        public Result Result()
        {
            var all = new LatencyHistogram();
            foreach (var worker in Workers) all.Add(worker);
            double Us(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
            return new Result(all.Count / Seconds, Us(all.ValueAt(0.5)), Us(all.ValueAt(0.99)), CpuUs / all.Count, (double)Bytes / all.Count)
            {
                GcPauseUs = Paused.TotalMicroseconds / all.Count,
                WorkItems = (double)WorkItems / all.Count,
                Contentions = (double)Contentions / all.Count,
            };
        }
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

    /// <summary>Thread-pool work items completed per call (the whole process): how many thread hops a call costs.</summary>
    public double WorkItems { get; init; }

    /// <summary>Times a thread had to wait for a contended lock, per call.</summary>
    public double Contentions { get; init; }
}
