using Micro.Errors;

namespace Micro.Server.Internal;

/// <summary>
/// What a caller is told when a handler fails. The rules keep an error's meaning across hops and keep
/// internals on this node (the log has them):
/// <list type="bullet">
/// <item>an error from a call the handler made to another service that says something about a node or a route
/// (unavailable, draining, deadline exceeded, cancelled, service or endpoint not found, reply not decodable) becomes
/// 502 <c>micro.downstream</c> naming the cause's id: this node is healthy and has the endpoint, so the caller must not
/// retry it as unavailable, quarantine it or think the endpoint missing;</item>
/// <item>a store or sync error (<c>micro.store.*</c>, <c>micro.sync.*</c>) keeps its id and code with a generic
/// detail: its own detail holds keys and lock ids;</item>
/// <item>any other error (the application's own, auth's 401/403, a downstream 400 or 409) reaches the caller
/// unchanged, also from further downstream (details Micro writes itself hold no addresses);</item>
/// <item>cancellation by the caller is 499; anything else is 500 <c>micro.internal</c>, logged with its stack trace.</item>
/// </list>
/// </summary>
internal static class HandlerErrors
{
    public static MicroException ForCaller(Exception e, HandlerEnvironment env, string endpoint, CancellationToken callToken, DateTime? deadline)
    {
        switch (e)
        {
            // The downstream call ran out of the budget it inherited from this one: that is this call's own deadline
            // (downstream deadlines equal ours, so their answer can arrive a moment before our own timer fires).
            case MicroException { RaisedByClient: true, Id: ErrorCodes.DeadlineExceeded or ErrorCodes.Cancelled }
                when callToken.IsCancellationRequested || (deadline is { } d && d - DateTime.UtcNow <= DeadlineHeader.MaxCorrection):
                return MicroException.Timeout(ErrorCodes.DeadlineExceeded, $"{env.Service}.{endpoint}: the call's deadline passed");
            case MicroException micro when micro.RaisedByClient && IsAboutTheRoute(micro.Id):
                ServerLog.DownstreamFailed(env.Logger, endpoint, micro.Id, micro.Code, micro.Detail);
                return new MicroException(ErrorCodes.Downstream, 502, $"{env.Service}.{endpoint}: a call to another service failed ({micro.Id}, {micro.Code})");
            case MicroException micro when micro.Id == ErrorCodes.Draining:
                // A draining answer says "not run"; a handler that ran can never claim it.
                return new MicroException(ErrorCodes.Unavailable, micro.Code, $"{env.Service}.{endpoint}: {ErrorCodes.StatusText(micro.Code)}");
            case MicroException micro when HoldsInternals(micro.Id):
                ServerLog.FrameworkErrorScrubbed(env.Logger, endpoint, micro.Id, micro.Code, micro.Detail);
                return new MicroException(micro.Id, micro.Code, $"{env.Service}.{endpoint}: {ErrorCodes.StatusText(micro.Code)}");
            case MicroException micro:
                return micro;
            case OperationCanceledException when callToken.IsCancellationRequested:
                return new MicroException(ErrorCodes.Cancelled, 499, $"{endpoint} cancelled: deadline passed or caller went away");
            default:
                ServerLog.HandlerFailed(env.Logger, endpoint, e);
                return MicroException.InternalServerError(ErrorCodes.Internal, $"{env.Service}.{endpoint} failed");
        }
    }

    private static bool IsAboutTheRoute(string id) => id is ErrorCodes.Unavailable or ErrorCodes.Draining or ErrorCodes.DeadlineExceeded
        or ErrorCodes.Cancelled or ErrorCodes.ServiceNotFound or ErrorCodes.EndpointNotFound or ErrorCodes.ResponseMalformed or ErrorCodes.MetadataTooLarge;

    private static bool HoldsInternals(string id) =>
        id.StartsWith("micro.store.", StringComparison.Ordinal) || id.StartsWith("micro.sync.", StringComparison.Ordinal);
}
