using System.Diagnostics;
using System.Diagnostics.Metrics;
using Micro.Broker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Telemetry;

/// <summary>
/// Messaging telemetry of one container, for every broker alike (it sits in the typed publish and consume path, not in
/// the brokers): the publish and process spans, the OpenTelemetry messaging instruments per topic, the brokers' own
/// redelivered / dead-lettered / pending counts as observable instruments, and the redelivery and dead-letter log events.
/// </summary>
internal sealed class BrokerTelemetry
{
    /// <summary>For a publisher or subscriber built by hand (no container): spans and trace propagation, no metrics or logs.</summary>
    public static readonly BrokerTelemetry Untracked = new(null, NullLogger.Instance, "micro-client");

    private readonly Counter<long>? _sent;
    private readonly Histogram<double>? _publishDuration;
    private readonly Counter<long>? _consumed;
    private readonly Histogram<double>? _processDuration;
    private readonly ILogger _logger;
    private readonly string _service;
    private IBroker[] _brokers = [];

    public BrokerTelemetry(Meter? meter, ILogger logger, string service)
    {
        _logger = logger;
        _service = service;
        if (meter is null) return;
        _sent = meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Messages published, by system, topic and error.type (failed publishes only)");
        _publishDuration = meter.CreateHistogram("messaging.client.operation.duration", "s", "Duration of publishing a message until the broker accepted it",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RpcDuration.SecondsBuckets });
        _consumed = meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Deliveries handed to a subscriber, by system, topic and group");
        _processDuration = meter.CreateHistogram("messaging.process.duration", "s", "Duration of handling a delivery, by system, topic, group and error.type (failures only)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RpcDuration.SecondsBuckets });
        meter.CreateObservableCounter("micro.broker.redelivered", () => Observe(c => c.Redelivered), "{delivery}",
            "Deliveries made again by the broker: after a handler failure or retry request, a timeout or an unreachable subscriber");
        meter.CreateObservableCounter("micro.broker.dead_lettered", () => Observe(c => c.DeadLettered), "{message}", "Messages moved to a dead-letter topic");
        meter.CreateObservableGauge("micro.broker.pending", () => Observe(c => c.Pending), "{message}",
            "Deliveries accepted but not yet acknowledged (the HTTP broker's outbox backlog; 0 where the server keeps them)");
    }

    /// <summary>False while nobody listens to the source or a messaging instrument: publish and consume then add nothing.</summary>
    public bool Active => MicroTelemetry.Source.HasListeners() || (_sent?.Enabled ?? false) || (_publishDuration?.Enabled ?? false)
        || (_consumed?.Enabled ?? false) || (_processDuration?.Enabled ?? false);

    /// <summary>The <c>messaging.system</c> of a broker: its name, with both NATS flavours as <c>nats</c>.</summary>
    public static string SystemOf(IBroker broker) => broker.Name.StartsWith("nats", StringComparison.Ordinal) ? "nats" : broker.Name;

    /// <summary>Reports <paramref name="broker"/>'s counters through the observable instruments (once per broker).</summary>
    public void Observe(IBroker broker)
    {
        while (true)
        {
            var brokers = Volatile.Read(ref _brokers);
            if (Array.IndexOf(brokers, broker) >= 0) return;
            if (Interlocked.CompareExchange(ref _brokers, [.. brokers, broker], brokers) == brokers) return;
        }
    }

    private IEnumerable<Measurement<long>> Observe(Func<BrokerCounters, long> read)
    {
        var brokers = Volatile.Read(ref _brokers);
        var measurements = new Measurement<long>[brokers.Length];
        for (var i = 0; i < brokers.Length; i++)
            measurements[i] = new Measurement<long>(read(brokers[i].Counters),
                new KeyValuePair<string, object?>(SemanticConventions.MessagingSystem, SystemOf(brokers[i])),
                new KeyValuePair<string, object?>(SemanticConventions.MicroService, _service));
        return measurements;
    }

    /// <summary>Publishes the context's message inside a "send {topic}" span (its context goes in the headers) and measures it.</summary>
    public async ValueTask PublishAsync(IBroker broker, Middleware.PublishContext context, Func<Middleware.PublishContext, ValueTask> publish)
    {
        var message = context.Message;
        var system = SystemOf(broker);
        var started = Stopwatch.GetTimestamp();
        var activity = MessagingSpans.StartPublish(system, message.Topic, message.Id, message.Headers); // ended (disposed) by End below
        Exception? error = null;
        try
        {
            await publish(context).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            var errorType = error is null ? null : CallOutcomeInfo.From(error).ErrorId;
            MessagingSpans.End(activity, errorType);
            if (_sent is { Enabled: true } || _publishDuration is { Enabled: true })
            {
                var tags = new TagList
                {
                    { SemanticConventions.MessagingSystem, system },
                    { SemanticConventions.MessagingDestinationName, message.Topic },
                    { SemanticConventions.MessagingOperationName, "send" },
                };
                if (errorType is not null) tags.Add(SemanticConventions.ErrorType, errorType);
                _sent?.Add(1, tags);
                _publishDuration?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            }
        }
    }

    /// <summary>Starts handling one delivery: the "process {topic}" span (child of the publish) and the clock.</summary>
    public ProcessScope StartProcess(string system, in BrokerDelivery delivery)
    {
        if (!Active) return default;
        var message = delivery.Message;
        return new ProcessScope(MessagingSpans.StartProcess(system, message.Topic, delivery.Group, message.Id, delivery.Attempt, message.Headers),
            system, Stopwatch.GetTimestamp());
    }

    /// <summary>Ends handling one delivery with the subscriber's decision (and the exception that caused it, if any).</summary>
    public void EndProcess(in ProcessScope scope, in BrokerDelivery delivery, DeliveryOutcome outcome, Exception? error)
    {
        var errorType = error is not null ? CallOutcomeInfo.From(error).ErrorId
            : outcome.Action == DeliveryAction.DeadLetter ? ErrorTypes.DeadLetter : null;
        var message = delivery.Message;
        if (outcome.Action == DeliveryAction.Retry)
            BrokerLog.Redelivering(_logger, message.Topic, message.Id, delivery.Group, delivery.Attempt, outcome.Delay, errorType ?? ErrorTypes.RetryRequested);
        else if (outcome.Action == DeliveryAction.DeadLetter)
            BrokerLog.DeadLettering(_logger, message.Topic, message.Id, delivery.Group, delivery.Attempt, errorType!);
        if (scope.System is null) return;
        MessagingSpans.EndProcess(scope.Span, outcome, errorType);
        if (_consumed is { Enabled: true } || _processDuration is { Enabled: true })
        {
            var tags = new TagList
            {
                { SemanticConventions.MessagingSystem, scope.System },
                { SemanticConventions.MessagingDestinationName, message.Topic },
                { SemanticConventions.MessagingConsumerGroupName, delivery.Group },
                { SemanticConventions.MessagingOperationName, "process" },
            };
            _consumed?.Add(1, tags);
            if (errorType is not null) tags.Add(SemanticConventions.ErrorType, errorType);
            _processDuration?.Record(Stopwatch.GetElapsedTime(scope.Started).TotalSeconds, tags);
        }
    }

    /// <summary>The <c>error.type</c> of a delivery that failed without an exception.</summary>
    private static class ErrorTypes
    {
        public const string DeadLetter = "micro.broker.dead_letter";
        public const string RetryRequested = "micro.broker.retry_requested";
    }
}
