using Microsoft.Extensions.Logging;

namespace Micro.Nats.Broker;

internal static partial class NatsBrokerLog
{
    [LoggerMessage(1, LogLevel.Warning, "{Topic}: message {Id} dead-lettered by group {Group}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string topic, string? id, string group, string reason);

    [LoggerMessage(2, LogLevel.Warning, "consuming {Topic} for group {Group} failed; pulling again")]
    public static partial void ConsumeFailed(ILogger logger, string topic, string group, Exception error);

    [LoggerMessage(3, LogLevel.Warning, "core NATS handler for {Topic} failed after {Attempts} attempts; the message is dropped (at-most-once): {Reason}")]
    public static partial void Dropped(ILogger logger, string topic, int attempts, string reason);
}
