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

    private ValueTask<object?> TracedAsync(ServerCall call, ServerCallHandler next)
    {
        var served = Begin(call.Context);
        ValueTask<object?> pending;
        try
        {
            pending = next(call);
        }
        catch (Exception e)
        {
            End(served, e);
            throw;
        }
        return Finish(pending, served);
    }

    /// <summary>
    /// Serves a unary call whose only middleware is this one: the handler is called directly, with no
    /// <see cref="ServerCall"/>, composed delegates or boxing of the response (what the pipeline would add per call).
    /// </summary>
    internal ValueTask<TResponse> ServeAsync<TRequest, TResponse>(TRequest request, Server.CallContext context,
        Func<TRequest, Server.CallContext, ValueTask<TResponse>> handler)
    {
        if (!Active) return handler(request, context);
        // Begin and End are not generic: shared generic code would look up every static they use (the header getter,
        // cached lambdas) through the runtime's generic dictionary on every call.
        var served = Begin(context);
        ValueTask<TResponse> pending;
        try
        {
            pending = handler(request, context);
        }
        catch (Exception e)
        {
            End(served, e);
            throw;
        }
        return Finish(pending, served);
    }

    private ValueTask<T> Finish<T>(ValueTask<T> pending, in Served served)
    {
        // A handler that finished synchronously (the common echo/lookup case) costs no async state machine here.
        if (!pending.IsCompletedSuccessfully) return AwaitAsync(pending, served);
        End(served, null);
        return pending;
    }

    /// <summary>One call being served, as this middleware tracks it.</summary>
    private readonly record struct Served(Activity? Activity, ExecutionContext? Before, RpcNames Names, long Started);

    private static readonly DistributedContextPropagator.PropagatorGetterCallback s_header =
        static (object? carrier, string key, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = ((Server.CallContext)carrier!).Header(key);
        };

    private static ActivityContext Parent(Server.CallContext context) =>
        context.RequestHeaders is { } headers ? TraceContext.Extract(headers) : TraceContext.Extract(context, s_header);

    private Served Begin(Server.CallContext context)
    {
        var names = RpcNames.For(context.Service, context.Endpoint);
        var started = _duration.Start();
        Activity? activity = null;
        ExecutionContext? before = null;
        if (MicroTelemetry.Source.HasListeners())
        {
            // The context before the span: going back to it when the call ends makes Dispose's "parent current
            // again" a no-op instead of one more execution-context copy per call (this middleware is outermost and
            // runs inside the call's own async method, so nothing outside sees the difference).
            before = ExecutionContext.Capture();
            activity = MicroTelemetry.Source.StartActivity(names.FullMethod, ActivityKind.Server, Parent(context), names.SpanTags(Conventions));
        }
        if (_active.Enabled) _active.Add(1, Tags(names));
        return new Served(activity, before, names, started);
    }

    private async ValueTask<T> AwaitAsync<T>(ValueTask<T> pending, Served served)
    {
        try
        {
            var result = await pending.ConfigureAwait(false);
            End(served, null);
            return result;
        }
        catch (Exception e)
        {
            End(served, e);
            throw;
        }
    }

    private void End(in Served served, Exception? error)
    {
        var outcome = CallOutcomeInfo.From(error);
        if (served.Activity is { } activity)
        {
            if (served.Before is { } before) ExecutionContext.Restore(before);
            if (activity.IsAllDataRequested) RpcSpan.End(activity, outcome, Conventions, server: true);
            activity.Dispose();
        }
        var names = served.Names;
        _duration.Record(served.Started, names, outcome);
        // Tracing alone (the common "traced" case) stops here: no tag list for counters nobody reads.
        if (!_active.Enabled && !_calls.Enabled && !_errors.Enabled) return;
        var tags = Tags(names);
        if (_active.Enabled) _active.Add(-1, tags);
        if (outcome.ErrorId is not null && _errors.Enabled)
        {
            var errorTags = tags;
            errorTags.Add(SemanticConventions.MicroErrorId, outcome.ErrorId);
            _errors.Add(1, errorTags);
        }
        if (_calls.Enabled)
        {
            if (outcome.ErrorId is not null) tags.Add(SemanticConventions.MicroErrorId, outcome.ErrorId);
            _calls.Add(1, tags);
        }
    }

    private static TagList Tags(RpcNames names) =>
        new() { { SemanticConventions.MicroService, names.Service }, { SemanticConventions.MicroEndpoint, names.Endpoint } };
}
