using Microsoft.Extensions.Logging;

namespace Micro.Broker.Http;

internal static partial class HttpBrokerLog
{
    [LoggerMessage(1, LogLevel.Information, "HTTP broker outbox {Kind}: {Count} undelivered messages from an earlier run")]
    public static partial void Recovered(ILogger logger, string kind, int count);

    [LoggerMessage(2, LogLevel.Warning, "delivery of {Count} messages on {Topic} to {Node} failed; retrying")]
    public static partial void DeliveryFailed(ILogger logger, int count, string topic, string node, Exception error);

    [LoggerMessage(3, LogLevel.Warning, "{Topic}: message {Id} dead-lettered by group {Group}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string topic, string? id, string group, string reason);

    [LoggerMessage(4, LogLevel.Warning, "{Topic}: message {Id} dropped: no subscriber appeared within {Ttl}")]
    public static partial void Expired(ILogger logger, string topic, string? id, TimeSpan ttl);

    [LoggerMessage(5, LogLevel.Warning, "registering subscriptions of {Topic} failed")]
    public static partial void RegisterFailed(ILogger logger, string topic, Exception error);

    [LoggerMessage(6, LogLevel.Warning, "refused a delivery request: {Reason}")]
    public static partial void RefusedRequest(ILogger logger, string reason);

    [LoggerMessage(7, LogLevel.Warning, "delivery of {Count} messages on {Topic} to {Node} refused: {Code} {ErrorId}: {Detail}; retried, then dead-lettered")]
    public static partial void DeliveryRefused(ILogger logger, int count, string topic, string node, int code, string errorId, string detail);
}
