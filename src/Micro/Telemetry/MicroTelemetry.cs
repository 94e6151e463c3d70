using System.Diagnostics;

namespace Micro.Telemetry;

/// <summary>
/// The names Micro's traces and metrics are published under. Micro emits through
/// <see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/> only; an
/// application picks them up with the OpenTelemetry SDK (<c>AddSource("Micro")</c> / <c>AddMeter("Micro")</c>, or
/// <c>AddMicroInstrumentation()</c> from the Micro.OpenTelemetry package) or any other listener.
/// </summary>
public static class MicroTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name of every Micro span.</summary>
    public const string ActivitySourceName = "Micro";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of every Micro instrument.</summary>
    public const string MeterName = "Micro";

    /// <summary>Micro's one activity source: spans cost nothing but a check while nobody listens.</summary>
    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(MicroTelemetry).Assembly.GetName().Version?.ToString());
}
