/// <summary>
/// Call latencies (in <see cref="System.Diagnostics.Stopwatch"/> ticks) counted in log-linear buckets, 32 per power of
/// two (under 3 % apart), in one array allocated before a measurement starts: recording a call allocates nothing, so
/// the load loop's own bookkeeping is not counted in the bytes per call it reports (a list of every latency was: about
/// 200 B per call at 64 in flight, and a large-object allocation per worker at the start of every window).
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 32; // per power of two
    private const int Shift = 5; // log2(SubBuckets)
    private readonly long[] _counts = new long[(64 - Shift) * SubBuckets];

    public long Count { get; private set; }

    public void Record(long ticks)
    {
        _counts[Index(Math.Max(0, ticks))]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        Count += other.Count;
    }

    /// <summary>The latency at <paramref name="quantile"/> (0..1), as the lower bound of its bucket.</summary>
    public long ValueAt(double quantile)
    {
        var rank = (long)(quantile * (Count - 1));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen > rank) return LowerBound(i);
        }
        return 0;
    }

    // Below 2 * SubBuckets each value has its own bucket; above, the top Shift + 1 bits pick it.
    private static int Index(long value)
    {
        if (value < 2 * SubBuckets) return (int)value;
        var exponent = 63 - (int)long.LeadingZeroCount(value) - Shift; // >= 1
        return exponent * SubBuckets + (int)(value >> exponent);
    }

    private static long LowerBound(int index) =>
        index < 2 * SubBuckets ? index : (long)(index % SubBuckets + SubBuckets) << (index / SubBuckets - 1);
}
