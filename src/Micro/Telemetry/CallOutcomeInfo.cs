using Grpc.Core;
using Micro.Errors;

namespace Micro.Telemetry;

/// <summary>How a call ended, in the terms spans and metrics use: the gRPC status and the Micro error id.</summary>
internal readonly record struct CallOutcomeInfo(StatusCode Status, string? ErrorId)
{
    public static readonly CallOutcomeInfo Ok = new(StatusCode.OK, null);

    public static CallOutcomeInfo From(Exception? error) => error switch
    {
        null => Ok,
        MicroException micro => new(GrpcErrorMapping.ToStatusCode(micro.Code), micro.Id),
        // The Micro error the server put in the trailers, or the one the client maps the bare status to.
        RpcException rpc => new(rpc.StatusCode, GrpcErrorMapping.FromRpcException(rpc, "", "").Id),
        OperationCanceledException => new(StatusCode.Cancelled, ErrorCodes.Cancelled),
        _ => new(StatusCode.Unknown, error.GetType().FullName),
    };

    /// <summary>The upper-case gRPC status name the stable conventions use (<c>DEADLINE_EXCEEDED</c>).</summary>
    public string StatusName => Status switch
    {
        StatusCode.OK => "OK",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.Unknown => "UNKNOWN",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Aborted => "ABORTED",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.Unimplemented => "UNIMPLEMENTED",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DataLoss => "DATA_LOSS",
        _ => ((int)Status).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
