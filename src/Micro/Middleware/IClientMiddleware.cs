using Micro.Client;

namespace Micro.Middleware;

/// <summary>The rest of the client pipeline: the next middleware, and finally the transport.</summary>
public delegate Task<object?> ClientCallHandler(ClientCall call);

/// <summary>
/// Wraps every unary call a client makes (logging, auth tokens, tracing). The first added is the
/// outermost. Retries happen inside the pipeline, so a middleware sees one logical call.
/// </summary>
public interface IClientMiddleware
{
    Task<object?> InvokeAsync(ClientCall call, ClientCallHandler next);
}

/// <summary>A call as client middleware sees it; middleware may change <see cref="Options"/> (e.g. add metadata).</summary>
public sealed class ClientCall(string service, string endpoint, object? request, CallOptions options, CancellationToken cancellationToken)
{
    public string Service { get; } = service;
    public string Endpoint { get; } = endpoint;
    public object? Request { get; } = request;
    public CallOptions Options { get; set; } = options;
    public CancellationToken CancellationToken { get; } = cancellationToken;
}
