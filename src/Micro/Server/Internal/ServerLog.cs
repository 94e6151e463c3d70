using Microsoft.Extensions.Logging;

namespace Micro.Server.Internal;

internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Error, "Handler {Endpoint} failed; the caller gets micro.internal")]
    public static partial void HandlerFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "Service {Service} node {NodeId} listening on {Address}")]
    public static partial void Listening(ILogger logger, string service, string nodeId, string address);

    [LoggerMessage(3, LogLevel.Warning, "Registering {Service} with the {Registry} registry failed")]
    public static partial void RegisterFailed(ILogger logger, string service, string registry, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "Service {Service} deregistered; draining {InFlight} call(s)")]
    public static partial void Draining(ILogger logger, string service, int inFlight);

    [LoggerMessage(5, LogLevel.Warning, "Deregistering {Service} failed")]
    public static partial void DeregisterFailed(ILogger logger, string service, Exception exception);
}
