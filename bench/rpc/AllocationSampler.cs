using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

/// <summary>
/// Which types a piece of code allocates, from the runtime's own sampling (one GCAllocationTick event per ~100 KB
/// allocated, naming the type that crossed the line): enough, over many calls, to rank what a call allocates.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private volatile bool _recording;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_recording || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a]) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, n) => n + amount);
    }

    /// <summary>Samples what <paramref name="run"/> allocates: estimated bytes per type (sampled bytes scaled to the measured total).</summary>
    public async Task<Dictionary<string, double>> SampleAsync(Func<Task<double>> run)
    {
        _bytes.Clear();
        _recording = true;
        double total;
        try { total = await run(); }
        finally { _recording = false; }
        var sampled = Math.Max(1, _bytes.Values.Sum());
        return _bytes.ToDictionary(p => p.Key, p => p.Value * total / sampled);
    }
}
