using Microsoft.Extensions.Logging;

namespace Micro.Telemetry;

/// <summary>
/// Broker log events every broker shares, logged where a subscriber's decision is made (ids 301-399; the README lists
/// them). Values are topics, message ids, groups and error ids: never payloads, headers or exception messages.
/// </summary>
internal static partial class BrokerLog
{
    [LoggerMessage(301, LogLevel.Information, "{Topic}: message {Id} will be redelivered to group {Group} in {Delay} (attempt {Attempt} ended with {ErrorType})")]
    public static partial void Redelivering(ILogger logger, string topic, string? id, string group, int attempt, TimeSpan delay, string errorType);

    [LoggerMessage(302, LogLevel.Warning, "{Topic}: message {Id} is dead-lettered by group {Group} after {Attempt} attempt(s) ({ErrorType})")]
    public static partial void DeadLettering(ILogger logger, string topic, string? id, string group, int attempt, string errorType);
}
