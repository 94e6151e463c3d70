using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Micro.Telemetry;

/// <summary>
/// The call duration histogram of one side: <c>rpc.client.duration</c> / <c>rpc.server.duration</c> in milliseconds
/// (v1.37 conventions) and/or <c>rpc.client.call.duration</c> / <c>rpc.server.call.duration</c> in seconds (stable).
/// </summary>
internal sealed class RpcDuration
{
    /// <summary>Bucket advice for call and message latencies, 100 µs to 10 s (the messaging histograms use it too).</summary>
    internal static readonly double[] SecondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] s_milliseconds = [.. SecondsBuckets.Select(s => s * 1000)];
    private readonly Histogram<double>? _legacy;
    private readonly Histogram<double>? _stable;
    private readonly RpcConventions _conventions;

    public RpcDuration(Meter meter, string side, RpcConventions conventions)
    {
        _conventions = conventions;
        if ((conventions & RpcConventions.Legacy) != 0)
            _legacy = meter.CreateHistogram($"rpc.{side}.duration", "ms", $"Duration of {side} RPCs",
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_milliseconds });
        if ((conventions & RpcConventions.Stable) != 0)
            _stable = meter.CreateHistogram($"rpc.{side}.call.duration", "s", $"Duration of {side} RPCs",
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    }

    public bool Enabled => (_legacy?.Enabled ?? false) || (_stable?.Enabled ?? false);

    /// <summary>A call's start for <see cref="Record"/>: 0 (no clock read) while nobody listens to the histogram.</summary>
    public long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    public void Record(long startedTimestamp, RpcNames names, CallOutcomeInfo outcome)
    {
        // 0: the call started while nobody listened (its duration is unknown).
        if (startedTimestamp == 0 || !Enabled) return;
        var elapsed = Stopwatch.GetElapsedTime(startedTimestamp);
        if (_legacy is { Enabled: true })
        {
            var tags = new TagList
            {
                { SemanticConventions.RpcSystem, "grpc" },
                { SemanticConventions.RpcService, names.GrpcService },
                { SemanticConventions.RpcMethod, names.Method },
                { SemanticConventions.RpcGrpcStatusCode, RpcSpan.BoxedStatus(outcome.Status) },
            };
            _legacy.Record(elapsed.TotalMilliseconds, tags);
        }
        if (_stable is { Enabled: true })
        {
            var tags = new TagList
            {
                { SemanticConventions.RpcSystemName, "grpc" },
                { SemanticConventions.RpcMethod, names.FullMethod },
                { SemanticConventions.RpcResponseStatusCode, outcome.StatusName },
            };
            if (outcome.ErrorId is not null) tags.Add(SemanticConventions.ErrorType, outcome.ErrorId);
            _stable.Record(elapsed.TotalSeconds, tags);
        }
    }

    public RpcConventions Conventions => _conventions;
}
