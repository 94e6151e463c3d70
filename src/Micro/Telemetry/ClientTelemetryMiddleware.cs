using System.Diagnostics;
using Micro.Middleware;

namespace Micro.Telemetry;

/// <summary>
/// The outermost client middleware: one span and one duration per logical call, however many attempts the client
/// makes inside it (each attempt gets a child span from the client itself). For duplex and server streams the pipeline
/// returns once the stream is open, so their span covers opening it and no duration is recorded.
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
        var opensStream = call.Kind is ClientCallKind.Duplex or ClientCallKind.ServerStream;
        using var activity = telemetry.StartCall(names);
        try
        {
            var result = await next(call).ConfigureAwait(false);
            telemetry.EndCall(activity, names, started, null, recordMetrics: !opensStream);
            return result;
        }
        catch (Exception e)
        {
            telemetry.EndCall(activity, names, started, e, recordMetrics: true);
            throw;
        }
    }
}
