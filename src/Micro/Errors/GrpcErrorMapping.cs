using System.Text.Json;
using Grpc.Core;

namespace Micro.Errors;

/// <summary>
/// Carries a <see cref="MicroException"/> over gRPC: the status code maps the HTTP-style code, and a
/// <c>micro-error</c> trailer holds the exact id, code and detail so the caller rebuilds the same error.
/// </summary>
internal static class GrpcErrorMapping
{
    public const string TrailerKey = "micro-error";

    public static RpcException ToRpcException(MicroException error)
    {
        var trailers = new Metadata { { TrailerKey, Encode(error) } };
        return new RpcException(new Status(ToStatusCode(error.Code), error.Detail), trailers);
    }

    /// <summary>
    /// The error a client call raises. Details that Micro writes itself name the service and endpoint, never addresses
    /// or socket messages (those stay in the inner exception, for local logs), so a handler that lets the error escape
    /// leaks nothing upstream.
    /// </summary>
    public static MicroException FromRpcException(RpcException e, string service, string endpoint)
    {
        var error = Map(e, service, endpoint);
        error.RaisedByClient = true;
        return error;
    }

    private static MicroException Map(RpcException e, string service, string endpoint)
    {
        var carried = e.Trailers.GetValue(TrailerKey);
        if (carried is not null && TryDecode(carried, out var error)) return error;
        return e.StatusCode switch
        {
            StatusCode.Unimplemented => MicroException.NotFound(ErrorCodes.EndpointNotFound, $"{service} has no endpoint {endpoint}"),
            StatusCode.DeadlineExceeded => MicroException.Timeout(ErrorCodes.DeadlineExceeded, $"deadline exceeded calling {service}.{endpoint}"),
            StatusCode.Cancelled => new MicroException(ErrorCodes.Cancelled, 499, $"call to {service}.{endpoint} cancelled"),
            StatusCode.ResourceExhausted => new MicroException(ErrorCodes.PayloadTooLarge, 413, e.Status.Detail),
            StatusCode.Unavailable => new MicroException(ErrorCodes.Unavailable, 503, $"{service}.{endpoint}: the node could not be reached or the connection was lost", e),
            StatusCode.InvalidArgument => MicroException.BadRequest(ErrorCodes.MalformedPayload, e.Status.Detail),
            StatusCode.Unauthenticated => new MicroException(ErrorCodes.Unauthorized, 401, e.Status.Detail),
            StatusCode.PermissionDenied => new MicroException(ErrorCodes.Forbidden, 403, e.Status.Detail),
            StatusCode.Internal when e.Status.DebugException is not null => new MicroException(ErrorCodes.Unavailable, 503, $"{service}.{endpoint}: the connection failed in mid-call", e),
            _ => new MicroException(ErrorCodes.Internal, 500, $"{service}.{endpoint}: gRPC status {e.Status.StatusCode}", e),
        };
    }

    public static StatusCode ToStatusCode(int code) => code switch
    {
        400 or 415 => StatusCode.InvalidArgument,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.NotFound,
        408 or 504 => StatusCode.DeadlineExceeded,
        409 => StatusCode.AlreadyExists,
        413 or 429 => StatusCode.ResourceExhausted,
        499 => StatusCode.Cancelled,
        501 => StatusCode.Unimplemented,
        503 => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    public static string Encode(MicroException error)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer)) WriteJson(w, error);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The JSON shape of an error, as HTTP callers see it too: {"id","code","detail","status"}.</summary>
    public static void WriteJson(Utf8JsonWriter w, MicroException error)
    {
        w.WriteStartObject();
        w.WriteString("id", error.Id);
        w.WriteNumber("code", error.Code);
        w.WriteString("detail", error.Detail);
        w.WriteString("status", error.Status);
        w.WriteEndObject();
    }

    public static bool TryDecode(string json, out MicroException error)
    {
        error = null!;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (!root.TryGetProperty("id", out var id) || !root.TryGetProperty("code", out var code)) return false;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
            error = new MicroException(id.GetString() ?? ErrorCodes.Internal, code.GetInt32(), detail);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
