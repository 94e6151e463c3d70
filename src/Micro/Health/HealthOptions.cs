namespace Micro.Health;

/// <summary>Health checking settings. Bound from <c>Micro:Health</c> / <c>MICRO_HEALTH_*</c>.</summary>
public sealed class HealthOptions : IMicroOptions
{
    /// <summary>Serve <c>grpc.health.v1.Health</c> and <c>/health/live</c>, <c>/health/ready</c> (MICRO_HEALTH_ENABLED).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// host:port of an extra HTTP/1.1 listener that serves only <c>/health/*</c>, for probes that cannot speak HTTP/2
    /// without TLS (Kubernetes httpGet, most load balancers). MICRO_HEALTH_ADDRESS. Unset: the endpoints are served on
    /// the RPC port only (HTTP/2).
    /// </summary>
    public string? Address { get; set; }

    /// <summary>How often the registered <c>IHealthCheck</c>s run for readiness (MICRO_HEALTH_CHECK_INTERVAL).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one round of checks may take before it counts as unhealthy (MICRO_HEALTH_CHECK_TIMEOUT).</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(3);

    void IMicroOptions.Read(MicroSettings s)
    {
        Enabled = s.Boolean(nameof(Enabled)) ?? Enabled;
        Address = s.String(nameof(Address)) ?? Address;
        CheckInterval = s.Duration(nameof(CheckInterval)) ?? CheckInterval;
        CheckTimeout = s.Duration(nameof(CheckTimeout)) ?? CheckTimeout;
    }

    IEnumerable<string> IMicroOptions.Validate()
    {
        if (CheckInterval <= TimeSpan.Zero) yield return "Micro:Health:CheckInterval must be positive";
        if (CheckTimeout <= TimeSpan.Zero) yield return "Micro:Health:CheckTimeout must be positive";
    }
}
