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

    [LoggerMessage(6, LogLevel.Warning, "Handler {Endpoint}: a downstream call failed with {ErrorId} ({Code}): {Detail}; the caller gets micro.downstream")]
    public static partial void DownstreamFailed(ILogger logger, string endpoint, string errorId, int code, string detail);

    [LoggerMessage(7, LogLevel.Information, "Handler {Endpoint} failed with {ErrorId} ({Code}): {Detail}; the caller gets a generic detail")]
    public static partial void FrameworkErrorScrubbed(ILogger logger, string endpoint, string errorId, int code, string detail);

    [LoggerMessage(8, LogLevel.Information, "A request to {Endpoint} was refused: {Detail}")]
    public static partial void CallerFault(ILogger logger, string endpoint, string detail);
}
