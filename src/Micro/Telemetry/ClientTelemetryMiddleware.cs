using System.Diagnostics;
using Micro.Client.Internal;
using Micro.Middleware;

namespace Micro.Telemetry;

/// <summary>
/// The outermost client middleware: one span and one duration per logical call, however many attempts the client
/// makes inside it (each attempt gets a child span from the client itself). For duplex and server streams the pipeline
/// returns once the stream is open; their span and duration then end when the stream does (it is disposed).
/// <see cref="Client.MicroClient"/> recognises it first in its pipeline and runs <see cref="Begin"/> / <see cref="End"/>
/// in its own async method around the rest of the pipeline, so a traced call costs no extra async layer.
/// </summary>
internal sealed class ClientTelemetryMiddleware(ClientTelemetry telemetry) : IClientMiddleware
{
    public Task<object?> InvokeAsync(ClientCall call, ClientCallHandler next)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(next);
        return telemetry.Active ? TracedAsync(call, next) : next(call);
    }

    private async Task<object?> TracedAsync(ClientCall call, ClientCallHandler next)
    {
        var scope = Begin(call.Service, call.Endpoint, call.Kind);
        object? result;
        try
        {
            result = await next(call).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            End(scope, null, e);
            throw;
        }
        End(scope, result, null);
        return result;
    }

    /// <summary>False while nobody listens to the client's spans or instruments.</summary>
    public bool Active => telemetry.Active;

    /// <summary>Starts the call's span and duration (the span current for the rest of the pipeline); default while nobody listens.</summary>
    public CallScope Begin(string service, string endpoint, ClientCallKind kind)
    {
        if (!telemetry.Active) return default;
        var names = RpcNames.For(service, endpoint);
        var started = telemetry.StartDuration();
        // The context before the span: going back to it when the call ends makes Dispose's "parent current again" a
        // no-op instead of one more execution-context copy per call.
        var before = ExecutionContext.Capture();
        return new CallScope(names, started, telemetry.StartCall(names), before, kind);
    }

    /// <summary>
    /// <see cref="Begin"/> for a unary call that the client traces itself (<see cref="CallTrace"/>): the span starts only
    /// at the first attempt (<see cref="StartDeferred"/>), when the node is known, so its attributes are given in one
    /// piece rather than added one by one; its start time is now.
    /// </summary>
    public CallScope BeginDeferred(string service, string endpoint)
    {
        if (!telemetry.Active) return default;
        var names = RpcNames.For(service, endpoint);
        var started = telemetry.StartDuration();
        return new CallScope(names, started, null, null, ClientCallKind.Unary)
        {
            DeferredStart = MicroTelemetry.Source.HasListeners() ? DateTime.UtcNow.Ticks : 0,
        };
    }

    /// <summary>
    /// Starts the span <see cref="BeginDeferred"/> put off: at the first attempt, to <paramref name="node"/>, or at the
    /// end of a call that failed before any (node null). It is not left current: the attempt carries it as traceparent,
    /// and grpc-dotnet would start an activity of its own under a current one (see
    /// <see cref="ClientTelemetry.StartAttempt"/>), unless someone listens to those.
    /// </summary>
    public void StartDeferred(ref CallScope scope, Registry.NodeInfo? node)
    {
        if (scope.DeferredStart == 0) return;
        var startedAt = new DateTimeOffset(scope.DeferredStart, TimeSpan.Zero);
        var ambient = Activity.Current;
        var before = ExecutionContext.Capture();
        var span = telemetry.StartCall(scope.Names!, node, startedAt);
        if (span is not null && before is not null && !GrpcClientInstrumentation.Observed)
        {
            // Back to the context the span started in costs nothing; clearing a caller's activity costs a context copy.
            if (ambient is null) ExecutionContext.Restore(before);
            else Activity.Current = null;
        }
        scope = scope with { Span = span, Before = before, DeferredStart = 0 };
    }

    /// <summary>
    /// Ends what <see cref="Begin"/> started, with the pipeline's result or error; an opened duplex or server stream
    /// keeps its span until it is disposed. Call it from the async method that called <see cref="Begin"/>.
    /// </summary>
    public void End(in CallScope scope, object? result, Exception? error)
    {
        if (scope.Names is null) return;
        if (error is null && scope.Kind is ClientCallKind.Duplex or ClientCallKind.ServerStream && result is IStreamEnd stream)
        {
            // The span lives on, no longer current, until the caller is done with the stream.
            EndWith(stream, scope.Span, scope.Names, scope.Started);
            return;
        }
        if (scope.Before is { } before) ExecutionContext.Restore(before);
        telemetry.EndCall(scope.Span, scope.Names, scope.Started, error);
        scope.Span?.Dispose();
    }

    // A method of its own: a lambda in End would hoist its locals into a closure allocated on every call.
    private void EndWith(IStreamEnd stream, Activity? activity, RpcNames names, long started) =>
        stream.OnEnded(error => EndStream(activity, names, started, error));

    private void EndStream(Activity? activity, RpcNames names, long started, Exception? error)
    {
        telemetry.EndCall(activity, names, started, error);
        if (activity is null) return;
        // Stopping a span makes its parent current again; the stream ends in the caller's context, which keeps its own.
        var current = Activity.Current;
        activity.Dispose();
        if (current != activity) Activity.Current = current;
    }
}

/// <summary>One logical call as the client telemetry tracks it (a struct: it lives in the caller's async state machine).</summary>
internal readonly record struct CallScope(RpcNames? Names, long Started, Activity? Span, ExecutionContext? Before, ClientCallKind Kind)
{
    /// <summary>
    /// When the call began (UTC ticks), for a span <see cref="ClientTelemetryMiddleware.BeginDeferred"/> has not started
    /// yet; 0 when there is none. Ticks rather than a nullable DateTimeOffset: this lives in every traced call's state.
    /// </summary>
    public long DeferredStart { get; init; }
}
