using Micro.Client;

namespace Micro.Middleware;

/// <summary>The rest of the client pipeline: the next middleware, and finally the transport.</summary>
public delegate Task<object?> ClientCallHandler(ClientCall call);

/// <summary>
/// Wraps every call a client makes (logging, auth tokens, tracing), unary and streaming. The first added is the
/// outermost. Retries happen inside the pipeline, so a middleware sees one logical call. For a unary or client
/// stream call <c>next</c> returns the response; for a duplex or server stream it returns once the stream is open.
/// </summary>
public interface IClientMiddleware
{
    /// <summary>Handles <paramref name="call"/>, usually by changing its options and calling <paramref name="next"/>.</summary>
    Task<object?> InvokeAsync(ClientCall call, ClientCallHandler next);
}

/// <summary>Which kind of call a client middleware sees.</summary>
public enum ClientCallKind
{
    /// <summary>One request, one response.</summary>
    Unary,

    /// <summary>A stream of requests, one response; <see cref="ClientCall.Request"/> is the request sequence.</summary>
    ClientStream,

    /// <summary>One request, a stream of responses.</summary>
    ServerStream,

    /// <summary>Requests and responses both stream; <see cref="ClientCall.Request"/> is null.</summary>
    Duplex,
}

/// <summary>A call as client middleware sees it; middleware may change <see cref="Options"/> (e.g. add metadata).</summary>
public sealed class ClientCall(string service, string endpoint, object? request, CallOptions options, CancellationToken cancellationToken,
    ClientCallKind kind = ClientCallKind.Unary)
{
    /// <summary>The service called.</summary>
    public string Service { get; } = service;

    /// <summary>The endpoint called, e.g. <c>Greeter.Hello</c>.</summary>
    public string Endpoint { get; } = endpoint;

    /// <summary>The request (unary and server stream), the request sequence (client stream), or null (duplex).</summary>
    public object? Request { get; } = request;

    /// <summary>The call's options; replace them (they are immutable records) to add metadata and the like.</summary>
    public CallOptions Options { get; set; } = options;

    /// <summary>The caller's cancellation.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Unary or which kind of stream.</summary>
    public ClientCallKind Kind { get; } = kind;

    /// <summary>True for every streaming kind.</summary>
    public bool IsStream => Kind != ClientCallKind.Unary;
}
