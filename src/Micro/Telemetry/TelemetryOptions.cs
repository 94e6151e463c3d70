namespace Micro.Telemetry;

/// <summary>Tracing and metrics settings. Bound from <c>Micro:Telemetry</c> / <c>MICRO_TELEMETRY_*</c>.</summary>
public sealed class TelemetryOptions : IMicroOptions
{
    /// <summary>
    /// When false, Micro adds no tracing or metrics middleware at all (MICRO_TELEMETRY_ENABLED). While enabled and
    /// nobody listens, the middleware costs one check per call.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Which RPC semantic conventions to emit, as OpenTelemetry's <c>OTEL_SEMCONV_STABILITY_OPT_IN</c> (read from the
    /// environment by default): <c>rpc</c> for the stable names (<c>rpc.system.name</c>, <c>rpc.response.status_code</c>,
    /// <c>rpc.client.call.duration</c> in seconds), <c>rpc/dup</c> for both, anything else for the v1.37 names
    /// (<c>rpc.system</c>, <c>rpc.grpc.status_code</c>, <c>rpc.client.duration</c> in milliseconds).
    /// </summary>
    public string? SemanticConventionsOptIn { get; set; } = Environment.GetEnvironmentVariable("OTEL_SEMCONV_STABILITY_OPT_IN");

    void IMicroOptions.Read(MicroSettings s)
    {
        Enabled = s.Boolean(nameof(Enabled)) ?? Enabled;
        SemanticConventionsOptIn = s.String(nameof(SemanticConventionsOptIn)) ?? SemanticConventionsOptIn;
    }

    IEnumerable<string> IMicroOptions.Validate() => [];
}
