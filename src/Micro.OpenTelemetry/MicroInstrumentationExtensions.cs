using Micro.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Micro.OpenTelemetry;

/// <summary>
/// Turns on Micro's spans and instruments in an OpenTelemetry pipeline. Micro emits through
/// <see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/> named <c>Micro</c>;
/// these only subscribe to them, so exporters, samplers and views are configured as usual.
/// </summary>
public static class MicroInstrumentationExtensions
{
    /// <summary>
    /// Micro's spans: a client span per call with a child per attempt, a server span per call served, linked across
    /// services by W3C <c>traceparent</c> in the call's metadata.
    /// </summary>
    public static TracerProviderBuilder AddMicroInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(MicroTelemetry.ActivitySourceName);
    }

    /// <summary>
    /// Micro's instruments: <c>rpc.client.duration</c> / <c>rpc.server.duration</c> (or the stable <c>*.call.duration</c>
    /// under <c>OTEL_SEMCONV_STABILITY_OPT_IN=rpc</c>), <c>micro.client.calls</c>, <c>micro.client.errors</c>,
    /// <c>micro.client.retries</c>, <c>micro.client.node.quarantines</c>, <c>micro.server.calls</c>,
    /// <c>micro.server.errors</c>, <c>micro.server.active_calls</c>.
    /// </summary>
    public static MeterProviderBuilder AddMicroInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(MicroTelemetry.MeterName);
    }
}
