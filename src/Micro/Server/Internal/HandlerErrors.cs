using Micro.Errors;

namespace Micro.Server.Internal;

/// <summary>
/// What a caller is told when a handler fails. The rules keep an error's meaning across hops and keep
/// internals on this node (the log has them):
/// <list type="bullet">
/// <item>a Micro error (<c>micro.*</c>) from a call the handler made to another service becomes 502
/// <c>micro.downstream</c>: this node is healthy, so the caller must not retry it as unavailable or quarantine it;</item>
/// <item>any other <c>micro.*</c> error (store, sync, the framework) keeps its id and code, with a generic detail:
/// its own detail may hold keys, lock ids or addresses;</item>
/// <item>an application error (any other id) reaches the caller unchanged, also from further downstream;</item>
/// <item>cancellation by the caller is 499; anything else is 500 <c>micro.internal</c>, logged with its stack trace.</item>
/// </list>
/// </summary>
internal static class HandlerErrors
{
    public static MicroException ForCaller(Exception e, HandlerEnvironment env, string endpoint, CancellationToken callToken)
    {
        switch (e)
        {
            case MicroException micro when micro.RaisedByClient && IsFramework(micro.Id):
                ServerLog.DownstreamFailed(env.Logger, endpoint, micro.Id, micro.Code, micro.Detail);
                return new MicroException(ErrorCodes.Downstream, 502, $"{env.Service}.{endpoint}: a call to another service failed ({micro.Id}, {micro.Code})");
            case MicroException micro when IsFramework(micro.Id):
                ServerLog.FrameworkErrorScrubbed(env.Logger, endpoint, micro.Id, micro.Code, micro.Detail);
                // A draining answer says "not run"; a handler that ran can never claim it.
                var id = micro.Id == ErrorCodes.Draining ? ErrorCodes.Unavailable : micro.Id;
                return new MicroException(id, micro.Code, $"{env.Service}.{endpoint}: {ErrorCodes.StatusText(micro.Code)}");
            case MicroException micro:
                return micro;
            case OperationCanceledException when callToken.IsCancellationRequested:
                return new MicroException(ErrorCodes.Cancelled, 499, $"{endpoint} cancelled: deadline passed or caller went away");
            default:
                ServerLog.HandlerFailed(env.Logger, endpoint, e);
                return MicroException.InternalServerError(ErrorCodes.Internal, $"{env.Service}.{endpoint} failed");
        }
    }

    private static bool IsFramework(string id) => id.StartsWith("micro.", StringComparison.Ordinal);
}
