using Micro.Codec;
using Micro.Middleware;
using Microsoft.Extensions.Logging;

namespace Micro.Server.Internal;

/// <summary>What every handler shares at run time: service name, codecs, middleware, shutdown state.</summary>
internal sealed class HandlerEnvironment(
    string service, CodecRegistry codecs, IReadOnlyList<IServerMiddleware> middleware,
    ServerState state, IServiceProvider services, ILogger logger)
{
    public string Service { get; } = service;
    public CodecRegistry Codecs { get; } = codecs;
    public IReadOnlyList<IServerMiddleware> Middleware { get; } = middleware;
    public ServerState State { get; } = state;
    public IServiceProvider Services { get; } = services;
    public ILogger Logger { get; } = logger;

    /// <summary>
    /// The pipeline's one middleware when that is telemetry (most services): a unary call is then traced around the
    /// handler directly, or not at all while nobody listens, without the pipeline's per-call allocations.
    /// </summary>
    public Telemetry.ServerTelemetryMiddleware? OnlyTelemetry { get; } =
        middleware.Count == 1 ? middleware[0] as Telemetry.ServerTelemetryMiddleware : null;

    /// <summary>Wraps <paramref name="terminal"/> in the middleware, first added outermost.</summary>
    public ServerCallHandler Compose(ServerCallHandler terminal)
    {
        var next = terminal;
        for (var i = Middleware.Count - 1; i >= 0; i--)
        {
            var middleware = Middleware[i];
            var inner = next;
            next = call => middleware.InvokeAsync(call, inner);
        }
        return next;
    }
}
