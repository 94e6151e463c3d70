using Microsoft.Extensions.Logging;

namespace Micro.Health;

/// <summary>Health log events (ids 200-299; listed in the README).</summary>
internal static partial class HealthLog
{
    [LoggerMessage(201, LogLevel.Information, "Readiness is now {Status}: {Reason}")]
    public static partial void ReadinessChanged(ILogger logger, string status, string reason);
}
