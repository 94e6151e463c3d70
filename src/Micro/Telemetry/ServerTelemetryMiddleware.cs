using System.Diagnostics;
using System.Diagnostics.Metrics;
using Micro.Middleware;

namespace Micro.Telemetry;

/// <summary>
/// The outermost server middleware: a server span per call served (child of the caller's attempt, read from the
/// <c>traceparent</c> metadata), the server duration histogram, calls/errors counters and the calls in flight.
/// </summary>
internal sealed class ServerTelemetryMiddleware : IServerMiddleware
{
    private readonly RpcDuration _duration;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _errors;
    private readonly UpDownCounter<long> _active;

    public ServerTelemetryMiddleware(Meter meter, TelemetryOptions options)
    {
        Conventions = RpcConventionsParser.Parse(options.SemanticConventionsOptIn);
        _duration = new RpcDuration(meter, "server", Conventions);
        _calls = meter.CreateCounter<long>("micro.server.calls", "{call}", "Calls served, by endpoint and error id (absent on success)");
        _errors = meter.CreateCounter<long>("micro.server.errors", "{error}", "Calls served that failed, by endpoint and error id");
        _active = meter.CreateUpDownCounter<long>("micro.server.active_calls", "{call}", "Calls being served now");
    }

    public RpcConventions Conventions { get; }

    private bool Active => MicroTelemetry.Source.HasListeners() || _duration.Enabled || _calls.Enabled || _errors.Enabled || _active.Enabled;

    public ValueTask<object?> InvokeAsync(ServerCall call, ServerCallHandler next)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(next);
        return Active ? TracedAsync(call, next) : next(call);
    }

    private async ValueTask<object?> TracedAsync(ServerCall call, ServerCallHandler next)
    {
        var context = call.Context;
        var names = RpcNames.For(context.Service, context.Endpoint);
        var started = Stopwatch.GetTimestamp();
        Activity? activity = null;
        if (MicroTelemetry.Source.HasListeners())
        {
            var parent = TraceContext.Extract(context, static (object? carrier, string key, out string? value, out IEnumerable<string>? values) =>
            {
                values = null;
                value = ((Server.CallContext)carrier!).Header(key);
            });
            activity = MicroTelemetry.Source.StartActivity(names.FullMethod, ActivityKind.Server, parent);
            if (activity is { IsAllDataRequested: true }) RpcSpan.Describe(activity, names, Conventions);
        }
        var tags = new TagList { { SemanticConventions.MicroService, names.Service }, { SemanticConventions.MicroEndpoint, names.Endpoint } };
        _active.Add(1, tags);
        Exception? error = null;
        try
        {
            return await next(call).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            _active.Add(-1, tags);
            var outcome = CallOutcomeInfo.From(error);
            if (activity is not null)
            {
                if (activity.IsAllDataRequested) RpcSpan.End(activity, outcome, Conventions, server: true);
                activity.Dispose();
            }
            _duration.Record(started, names, outcome);
            if (outcome.ErrorId is not null)
            {
                tags.Add(SemanticConventions.MicroErrorId, outcome.ErrorId);
                _errors.Add(1, tags);
            }
            _calls.Add(1, tags);
        }
    }
}
