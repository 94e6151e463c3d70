using System.Diagnostics;
using System.Diagnostics.Metrics;
using Micro.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Telemetry;

/// <summary>
/// The client's spans, instruments and log events: a span and a duration per logical call (recorded by
/// <see cref="ClientTelemetryMiddleware"/>), a span per attempt with the node it went to, and counters for calls,
/// errors, retries and quarantined nodes (recorded from the client's retry loop).
/// </summary>
internal sealed class ClientTelemetry
{
    /// <summary>For a client built by hand (no container): attempt spans and trace propagation, no metrics or logs.</summary>
    public static readonly ClientTelemetry Untracked = new(null, NullLogger.Instance, new TelemetryOptions());

    private readonly RpcDuration? _duration;
    private readonly Counter<long>? _calls;
    private readonly Counter<long>? _errors;
    private readonly Counter<long>? _retries;
    private readonly Counter<long>? _quarantines;
    private readonly ILogger _logger;

    public ClientTelemetry(Meter? meter, ILogger logger, TelemetryOptions options)
    {
        Conventions = RpcConventionsParser.Parse(options.SemanticConventionsOptIn);
        _logger = logger;
        if (meter is null) return;
        _duration = new RpcDuration(meter, "client", Conventions);
        _calls = meter.CreateCounter<long>("micro.client.calls", "{call}", "Calls made, by service, endpoint and error id (absent on success)");
        _errors = meter.CreateCounter<long>("micro.client.errors", "{error}", "Calls that failed, by service, endpoint and error id");
        _retries = meter.CreateCounter<long>("micro.client.retries", "{retry}", "Attempts retried on another node, by service, endpoint and the error id that caused them");
        meter.CreateObservableGauge("micro.registry.nodes", ObserveNodeCounts, "{node}", "Nodes per service in the client's registry cache");
        _quarantines = meter.CreateCounter<long>("micro.client.node.quarantines", "{node}", "Nodes put in quarantine after a transport failure, by service");
    }

    public RpcConventions Conventions { get; }

    private Func<IEnumerable<KeyValuePair<string, int>>>? _nodeCounts;

    /// <summary>Where the <c>micro.registry.nodes</c> gauge reads from (the container's client).</summary>
    public void ObserveNodes(Func<IEnumerable<KeyValuePair<string, int>>> nodeCounts) => _nodeCounts = nodeCounts;

    private IEnumerable<Measurement<int>> ObserveNodeCounts() =>
        _nodeCounts is null ? [] : _nodeCounts().Select(n => new Measurement<int>(n.Value, new KeyValuePair<string, object?>(SemanticConventions.MicroService, n.Key)));

    /// <summary>False while nobody listens: the middleware then adds nothing to a call.</summary>
    public bool Active => MicroTelemetry.Source.HasListeners() || (_duration?.Enabled ?? false) || (_calls?.Enabled ?? false) || (_errors?.Enabled ?? false);

    /// <summary>A call's start for its duration: 0 (no clock read) while nobody listens to the histogram.</summary>
    public long StartDuration() => _duration?.Start() ?? 0;

    public Activity? StartCall(RpcNames names)
    {
        // A default parent context: the span's parent is the current activity.
        return MicroTelemetry.Source.StartActivity(names.FullMethod, ActivityKind.Client, default(ActivityContext), names.SpanTags(Conventions));
    }

    /// <summary>
    /// The span of a call started late (see <see cref="ClientTelemetryMiddleware.BeginDeferred"/>): at its first
    /// attempt, already naming the node it goes to, or at its end when it failed before any (node null); its start
    /// is when the call began.
    /// </summary>
    public Activity? StartCall(RpcNames names, NodeInfo? node, DateTimeOffset startedAt) =>
        MicroTelemetry.Source.StartActivity(ActivityKind.Client, default,
            node is null ? names.SpanTags(Conventions) : RpcSpan.PeerTags(names, Conventions, node), startTime: startedAt, name: names.FullMethod);

    public void EndCall(Activity? activity, RpcNames names, long startedTimestamp, Exception? error)
    {
        var outcome = CallOutcomeInfo.From(error);
        if (activity is { IsAllDataRequested: true }) RpcSpan.End(activity, outcome, Conventions, server: false);
        _duration?.Record(startedTimestamp, names, outcome);
        if (_calls is { Enabled: true })
        {
            var tags = new TagList { { SemanticConventions.MicroService, names.Service }, { SemanticConventions.MicroEndpoint, names.Endpoint } };
            if (outcome.ErrorId is not null) tags.Add(SemanticConventions.MicroErrorId, outcome.ErrorId);
            _calls.Add(1, tags);
        }
        if (outcome.ErrorId is not null && _errors is { Enabled: true })
            _errors.Add(1, new TagList
            {
                { SemanticConventions.MicroService, names.Service }, { SemanticConventions.MicroEndpoint, names.Endpoint },
                { SemanticConventions.MicroErrorId, outcome.ErrorId },
            });
    }

    /// <summary>
    /// Starts one attempt (the actual RPC to one node). Under the client's call span the first attempt gets no span of
    /// its own: the call span names the node and is the server's parent, so an ordinary call costs two spans, not
    /// three. Should that attempt fail, <see cref="EndAttempt"/> records it as a span after the fact (its real start and
    /// end), and every later attempt is a span of its own, parent of its server span.
    /// </summary>
    /// <remarks>
    /// <paramref name="call"/>: a call span started for this call with the first node's attributes and not current
    /// (<see cref="ClientTelemetryMiddleware.StartDeferred"/>); the first attempt runs under it as it is, later ones are
    /// its children.
    /// </remarks>
    public AttemptScope StartAttempt(string service, string endpoint, NodeInfo node, int attempt, Activity? call = null)
    {
        if (!MicroTelemetry.Source.HasListeners()) return default;
        if (call is not null)
            return attempt == 0 ? new AttemptScope(null, call)
                : HideDuringTransport(new AttemptScope(StartAttemptSpan(service, endpoint, node, attempt, null, call.Context), null));
        var current = Activity.Current;
        if (attempt == 0 && current is { Kind: ActivityKind.Client } && current.Source == MicroTelemetry.Source)
        {
            if (current.IsAllDataRequested) DescribeAttempt(current, node);
            return HideDuringTransport(new AttemptScope(null, current));
        }
        return HideDuringTransport(new AttemptScope(StartAttemptSpan(service, endpoint, node, attempt, null, default), null));
    }

    /// <summary>
    /// No current activity while the attempt is on the wire: its span is already in the metadata as traceparent, and
    /// grpc-dotnet would otherwise start an activity of its own for every call made under a current one (an Activity,
    /// its ids and two execution-context copies per call, which nobody reads unless grpc-dotnet's instrumentation is
    /// listened to; then it stays and is a child of Micro's span). Clearing costs one context copy, going back none.
    /// </summary>
    private static AttemptScope HideDuringTransport(AttemptScope scope)
    {
        if ((scope.Span ?? scope.Call) is null || GrpcClientInstrumentation.Observed) return scope;
        var resume = ExecutionContext.Capture();
        if (resume is null) return scope; // flow suppressed: leave the current activity alone
        Activity.Current = null;
        return scope with { Resume = resume };
    }

    private Activity? StartAttemptSpan(string service, string endpoint, NodeInfo node, int attempt, DateTimeOffset? started, ActivityContext parent)
    {
        var names = RpcNames.For(service, endpoint);
        var tags = RpcSpan.PeerTags(names, Conventions, node);
        var activity = started is { } at
            ? MicroTelemetry.Source.StartActivity(ActivityKind.Client, parent, tags, startTime: at, name: names.FullMethod)
            : MicroTelemetry.Source.StartActivity(names.FullMethod, ActivityKind.Client, parent, tags);
        if (activity is { IsAllDataRequested: true }) activity.AddTag(SemanticConventions.MicroAttempt, attempt + 1);
        return activity;
    }

    private static void DescribeAttempt(Activity activity, NodeInfo node)
    {
        RpcSpan.DescribePeer(activity, node.Address);
        activity.AddTag(SemanticConventions.MicroNodeId, node.Id);
    }

    /// <summary>
    /// Ends an attempt with how it ended (null: it answered); the rest names it as <see cref="StartAttempt"/> did, and
    /// <paramref name="started"/> is its <see cref="Stopwatch"/> start (for a span recorded after the fact).
    /// </summary>
    public void EndAttempt(in AttemptScope scope, Exception? error, string service, string endpoint, NodeInfo node, int attempt, long started)
    {
        // Micro's span current again, as when the attempt started (no copy: the context captured then).
        if (scope.Resume is { } resume) ExecutionContext.Restore(resume);
        var activity = scope.Span;
        if (activity is null && error is not null && scope.Call is { } call)
            // A clock read only for the attempt that failed: the monotonic start, turned into wall time now.
            activity = StartAttemptSpan(service, endpoint, node, attempt,
                DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(started), call.Context);
        if (activity is null) return;
        if (activity.IsAllDataRequested) RpcSpan.End(activity, CallOutcomeInfo.From(error), Conventions, server: false);
        activity.Dispose();
    }

    /// <summary>An attempt failed and the call goes on with another node.</summary>
    public void Retrying(string service, string endpoint, int attempt, NodeInfo node, string errorId)
    {
        _retries?.Add(1, new TagList
        {
            { SemanticConventions.MicroService, service }, { SemanticConventions.MicroEndpoint, endpoint }, { SemanticConventions.MicroErrorId, errorId },
        });
        TelemetryLog.Retrying(_logger, service, endpoint, attempt + 1, node.Id, node.Address, errorId);
    }

    /// <summary>A node failed at the transport level and is skipped for <paramref name="quarantine"/>.</summary>
    public void Quarantined(string service, NodeInfo node, TimeSpan quarantine, string errorId)
    {
        _quarantines?.Add(1, new TagList { { SemanticConventions.MicroService, service } });
        TelemetryLog.Quarantined(_logger, node.Id, node.Address, service, quarantine, errorId);
    }

    /// <summary>The registry announced a change the client's cache acts on.</summary>
    public void RegistryChanged(RegistryEvent change) =>
        TelemetryLog.RegistryChanged(_logger, change.Service.Name, change.Type, change.Service.Nodes.Count);
}
