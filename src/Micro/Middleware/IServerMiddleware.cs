using Micro.Server;

namespace Micro.Middleware;

/// <summary>The rest of the server pipeline: the next middleware, and finally the handler.</summary>
public delegate ValueTask<object?> ServerCallHandler(ServerCall call);

/// <summary>
/// Wraps every call a service serves (logging, auth, tracing). Middleware runs in the order added;
/// the first added is the outermost. For streaming endpoints <see cref="ServerCall.Request"/> is null
/// and the middleware wraps the whole stream.
/// </summary>
public interface IServerMiddleware
{
    ValueTask<object?> InvokeAsync(ServerCall call, ServerCallHandler next);
}

/// <summary>A call as middleware sees it.</summary>
public sealed class ServerCall(CallContext context, object? request, bool isStream)
{
    public CallContext Context { get; } = context;
    public object? Request { get; } = request;
    public bool IsStream { get; } = isStream;
}
