namespace Micro.Health;

/// <summary>Tags that place an <c>IHealthCheck</c> in liveness or readiness.</summary>
public static class HealthTags
{
    /// <summary>The check decides <c>/health/live</c> (process must be restarted) and not readiness.</summary>
    public const string Live = "live";

    /// <summary>The check decides readiness (the default for an untagged check).</summary>
    public const string Ready = "ready";
}
