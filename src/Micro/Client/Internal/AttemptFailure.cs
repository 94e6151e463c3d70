using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;
using Micro.Codec;
using Micro.Errors;

namespace Micro.Client.Internal;

/// <summary>What a failed attempt tells the client about retrying it and about the node.</summary>
internal enum AttemptFailure
{
    /// <summary>Provably never reached a handler (connect failed, stream refused, node draining): retry anywhere; the node failed.</summary>
    NotRun,

    /// <summary>The connection broke or the node did not answer in time; the handler may have run: retry only if idempotent; the node failed.</summary>
    Lost,

    /// <summary>The handler answered 503 itself: retry only if idempotent; the node is healthy.</summary>
    HandlerUnavailable,

    /// <summary>The handler answered with any other error: never retried; the node is healthy.</summary>
    Answered,

    /// <summary>The reply could not be decoded: a client-side error, retried only if idempotent; the node is healthy.</summary>
    Undecodable,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

internal static class AttemptFailures
{
    public static AttemptFailure Classify(RpcException e, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested) return AttemptFailure.Cancelled;
        if (e.Trailers.GetValue(GrpcErrorMapping.TrailerKey) is { } carried)
        {
            if (!GrpcErrorMapping.TryDecode(carried, out var error)) return AttemptFailure.Answered;
            if (error.Id == ErrorCodes.Draining) return AttemptFailure.NotRun;
            return error.Code == 503 ? AttemptFailure.HandlerUnavailable : AttemptFailure.Answered;
        }
        if (Find<ResponseDecodeException>(e.Status.DebugException) is not null) return AttemptFailure.Undecodable;
        return e.StatusCode switch
        {
            StatusCode.DeadlineExceeded => AttemptFailure.Lost,
            StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled =>
                NeverSent(e.Status.DebugException) ? AttemptFailure.NotRun : AttemptFailure.Lost,
            // A gRPC server that is not Micro answered with a status of its own.
            _ => AttemptFailure.Answered,
        };
    }

    /// <summary>The request never left for a handler: no connection, or the server refused the stream before reading it.</summary>
    private static bool NeverSent(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpProtocolException { ErrorCode: 0x7 }: // REFUSED_STREAM: "not processed", RFC 9113 §8.7
                    return true;
                // SocketsHttpHandler resends a stream the server did not process (REFUSED_STREAM, or above a GOAWAY's last
                // stream id, before any response byte) itself; when it gives up, it throws a fresh HttpRequestException around
                // the protocol error. A stream lost after that point (e.g. covered by a GOAWAY, then the connection closed)
                // carries the protocol error re-wrapped under the error's own message. RetrySafetyTests pins both.
                case HttpRequestException { InnerException: HttpProtocolException inner } outer when outer.Message != inner.Message:
                    return true;
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }:
                    return true;
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }: // TLS handshake failed (e.g. the node is not who it claims): nothing sent
                    return true;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut }:
                    return true;
                case TaskCanceledException { InnerException: TimeoutException }: // SocketsHttpHandler's ConnectTimeout
                case TimeoutException { InnerException: OperationCanceledException }: // the same, through grpc-dotnet's subchannel
                    return true;
            }
        }
        return false;
    }

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
            if (e is T found) return found;
        return null;
    }
}
