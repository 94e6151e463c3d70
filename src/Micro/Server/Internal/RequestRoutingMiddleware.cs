using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Micro.Errors;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>
/// Sits in front of grpc-dotnet on the one listener. gRPC requests pass through (after recording the
/// caller's codec choice); any other POST to an endpoint path is served as plain HTTP with the codec
/// named by its Content-Type, so <c>curl -H 'Content-Type: application/json'</c> reaches every handler.
/// </summary>
internal sealed class RequestRoutingMiddleware(RequestDelegate next, HandlerTable handlers, HandlerEnvironment env, ServerOptions options)
{
    public Task InvokeAsync(HttpContext http)
    {
        var contentType = http.Request.ContentType;
        if (contentType is not null && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
            return ServeGrpcAsync(http, contentType);
        return ServeHttpAsync(http, contentType);
    }

    private Task ServeGrpcAsync(HttpContext http, string contentType)
    {
        // Only a caller that asked for a specific codec pays for the AsyncLocal.
        var requested = http.Request.Headers[CallCodec.Header].ToString();
        if (requested.Length == 0 && contentType.Length > "application/grpc".Length && contentType["application/grpc".Length] == '+')
            requested = contentType["application/grpc+".Length..];
        if (requested.Length > 0)
        {
            var codec = env.Codecs.Find(requested);
            if (codec is null)
            {
                WriteGrpcError(http, new MicroException(ErrorCodes.UnsupportedContentType, 415, $"no codec for content-type '{requested}'"));
                return Task.CompletedTask;
            }
            CallCodec.Current = codec;
        }
        return next(http);
    }

    private async Task ServeHttpAsync(HttpContext http, string? contentType)
    {
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            await next(http).ConfigureAwait(false);
            return;
        }
        try
        {
            if (!handlers.ByPath.TryGetValue(http.Request.Path.Value ?? "", out var handler))
                throw MicroException.NotFound(ErrorCodes.EndpointNotFound, $"{env.Service} has no endpoint at {http.Request.Path}");
            var codec = env.Codecs.Get(contentType ?? "");
            if (http.Request.ContentLength > options.MaxMessageSize) throw TooLarge();
            var reader = http.Request.BodyReader;
            while (true)
            {
                var read = await reader.ReadAsync(http.RequestAborted).ConfigureAwait(false);
                if (read.Buffer.Length > options.MaxMessageSize)
                {
                    reader.AdvanceTo(read.Buffer.End);
                    throw TooLarge();
                }
                if (read.IsCompleted)
                {
                    try { await handler.ServeHttpAsync(http, codec, read.Buffer, env).ConfigureAwait(false); }
                    finally { reader.AdvanceTo(read.Buffer.End); }
                    return;
                }
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (MicroException e) when (!http.Response.HasStarted)
        {
            // Read what the caller is still sending before answering: a reset of a half-sent stream makes curl
            // report "(92) Stream error in the HTTP/2 framing layer" instead of showing the answer.
            await DrainBodyAsync(http).ConfigureAwait(false);
            await WriteHttpErrorAsync(http, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; nobody to answer.
        }
    }

    /// <summary>Reads and drops the rest of the request body, up to the message limit (beyond it a reset is fair).</summary>
    private async Task DrainBodyAsync(HttpContext http)
    {
        var reader = http.Request.BodyReader;
        long seen = 0;
        try
        {
            while (seen <= options.MaxMessageSize)
            {
                var read = await reader.ReadAsync(http.RequestAborted).ConfigureAwait(false);
                seen += read.Buffer.Length;
                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            // The caller went away or the body was already consumed: nothing left to drain.
        }
    }

    private MicroException TooLarge() =>
        new(ErrorCodes.PayloadTooLarge, 413, $"request larger than the limit of {options.MaxMessageSize} bytes");

    private static async Task WriteHttpErrorAsync(HttpContext http, MicroException error)
    {
        http.Response.StatusCode = error.Code is >= 400 and <= 599 ? error.Code : 500;
        http.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter((IBufferWriter<byte>)http.Response.BodyWriter))
            GrpcErrorMapping.WriteJson(writer, error);
        await http.Response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }

    private static void WriteGrpcError(HttpContext http, MicroException error)
    {
        // A trailers-only gRPC response: status in the headers, no body.
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = ((int)GrpcErrorMapping.ToStatusCode(error.Code)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = Uri.EscapeDataString(error.Detail);
        http.Response.Headers[GrpcErrorMapping.TrailerKey] = GrpcErrorMapping.Encode(error);
    }
}
