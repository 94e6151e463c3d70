using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Micro.Telemetry;

/// <summary>
/// The lock wait histogram of one container's sync: how long <c>LockAsync</c> / <c>LeaderAsync</c> waited, recorded once
/// in the machinery every sync plug-in shares (<see cref="Sync.LeaseSync"/>), tagged by plug-in, kind and outcome.
/// </summary>
internal sealed class SyncTelemetry
{
    // Lock waits range from an uncontended round trip to a whole TTL or a leader's term.
    private static readonly double[] s_seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Histogram<double> _wait;

    public SyncTelemetry(Meter meter) =>
        _wait = meter.CreateHistogram("micro.sync.lock.wait", "s", "Time spent waiting for a lock or leadership, by plug-in, kind (lock, leader) and outcome",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_seconds });

    public bool Enabled => _wait.Enabled;

    /// <summary>Records one wait of <paramref name="waited"/> that ended with <paramref name="outcome"/>.</summary>
    public void RecordWait(string plugin, bool leader, string outcome, TimeSpan waited)
    {
        if (!_wait.Enabled) return;
        _wait.Record(waited.TotalSeconds, new TagList
        {
            { SemanticConventions.MicroSyncPlugin, plugin },
            { SemanticConventions.MicroSyncKind, leader ? "leader" : "lock" },
            { SemanticConventions.MicroSyncOutcome, outcome },
        });
    }
}
