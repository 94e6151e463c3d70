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
    /// <summary>Handles <paramref name="call"/>, usually by calling <paramref name="next"/> and returning its result.</summary>
    ValueTask<object?> InvokeAsync(ServerCall call, ServerCallHandler next);
}

/// <summary>A call as middleware sees it.</summary>
public sealed class ServerCall(CallContext context, object? request, bool isStream)
{
    /// <summary>The call's context: service, endpoint, metadata, deadline, cancellation.</summary>
    public CallContext Context { get; } = context;
    /// <summary>The decoded request of a unary call; null for streams.</summary>
    public object? Request { get; } = request;
    /// <summary>True for streaming endpoints, where the middleware wraps the whole stream.</summary>
    public bool IsStream { get; } = isStream;
}
