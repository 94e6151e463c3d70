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

    // Most services run only the telemetry middleware; with nobody listening it has nothing to do, and a call that
    // skips the pipeline saves its per-call allocations and indirections.
    private readonly Telemetry.ServerTelemetryMiddleware? _onlyTelemetry =
        middleware.Count == 1 ? middleware[0] as Telemetry.ServerTelemetryMiddleware : null;

    /// <summary>The pipeline would only pass the call through: its one middleware is telemetry, and nobody listens.</summary>
    public bool PipelineIdle => _onlyTelemetry is { Active: false };

    /// <summary>The pipeline's one middleware when that is telemetry: a unary call can be traced without the pipeline.</summary>
    public Telemetry.ServerTelemetryMiddleware? OnlyTelemetry => _onlyTelemetry;

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
