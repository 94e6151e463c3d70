using System.Diagnostics;
using Micro.Client.Internal;
using Micro.Middleware;

namespace Micro.Telemetry;

/// <summary>
/// The outermost client middleware: one span and one duration per logical call, however many attempts the client
/// makes inside it (each attempt gets a child span from the client itself). For duplex and server streams the pipeline
/// returns once the stream is open; their span and duration then end when the stream does (it is disposed).
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
        var names = RpcNames.For(call.Service, call.Endpoint);
        var started = Stopwatch.GetTimestamp();
        // The context before the span: going back to it when the call ends makes Dispose's "parent current again" a
        // no-op instead of one more execution-context copy per call.
        var before = ExecutionContext.Capture();
        var activity = telemetry.StartCall(names);
        object? result;
        try
        {
            result = await next(call).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (before is not null) ExecutionContext.Restore(before);
            telemetry.EndCall(activity, names, started, e);
            activity?.Dispose();
            throw;
        }
        if (call.Kind is ClientCallKind.Duplex or ClientCallKind.ServerStream && result is IStreamEnd stream)
        {
            // The span lives on, no longer current, until the caller is done with the stream.
            EndWith(stream, activity, names, started);
            return result;
        }
        if (before is not null) ExecutionContext.Restore(before);
        telemetry.EndCall(activity, names, started, null);
        activity?.Dispose();
        return result;
    }

    // A method of its own: a lambda in TracedAsync would hoist its locals into a closure allocated on every call.
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
