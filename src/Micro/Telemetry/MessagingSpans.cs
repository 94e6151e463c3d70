using System.Diagnostics;
using Micro.Broker;

namespace Micro.Telemetry;

/// <summary>
/// Spans for messages (called by <see cref="BrokerTelemetry"/>): a producer span per publish whose context travels in the
/// message headers (<c>traceparent</c>/<c>tracestate</c>), and a consumer span per delivery handled, child of the publish
/// that sent it, so one trace crosses the topic. Attributes follow the OpenTelemetry messaging conventions.
/// </summary>
internal static class MessagingSpans
{
    /// <summary>Starts the "send {topic}" span and writes its context into <paramref name="headers"/> (or the current one's, when nobody samples).</summary>
    public static Activity? StartPublish(string system, string topic, string? messageId, IDictionary<string, string> headers)
    {
        var activity = MicroTelemetry.Source.HasListeners() ? MicroTelemetry.Source.StartActivity("send " + topic, ActivityKind.Producer) : null;
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddTag(SemanticConventions.MessagingSystem, system);
            activity.AddTag(SemanticConventions.MessagingDestinationName, topic);
            activity.AddTag(SemanticConventions.MessagingOperationType, "send");
            activity.AddTag(SemanticConventions.MessagingOperationName, "send");
            if (messageId is not null) activity.AddTag(SemanticConventions.MessagingMessageId, messageId);
        }
        InjectCurrent(activity, headers);
        return activity;
    }

    /// <summary>
    /// Writes the context of <paramref name="activity"/> (or of the current activity, someone else's, when Micro's
    /// source is not sampled) into <paramref name="headers"/>, replacing any trace context the caller's metadata carried.
    /// </summary>
    public static void InjectCurrent(Activity? activity, IDictionary<string, string> headers)
    {
        if ((activity ?? Activity.Current) is not { } context) return;
        headers.Remove(TraceContext.TraceParent);
        headers.Remove(TraceContext.TraceState);
        TraceContext.Inject(context, headers);
    }

    /// <summary>Starts the "process {topic}" span for one delivery, parented by the publish named in <paramref name="headers"/>.</summary>
    public static Activity? StartProcess(string system, string topic, string? group, string? messageId, int attempt, IReadOnlyDictionary<string, string>? headers)
    {
        if (!MicroTelemetry.Source.HasListeners()) return null;
        var activity = MicroTelemetry.Source.StartActivity("process " + topic, ActivityKind.Consumer, TraceContext.Extract(headers));
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddTag(SemanticConventions.MessagingSystem, system);
            activity.AddTag(SemanticConventions.MessagingDestinationName, topic);
            activity.AddTag(SemanticConventions.MessagingOperationType, "process");
            activity.AddTag(SemanticConventions.MessagingOperationName, "process");
            if (group is not null) activity.AddTag(SemanticConventions.MessagingConsumerGroupName, group);
            if (messageId is not null) activity.AddTag(SemanticConventions.MessagingMessageId, messageId);
            activity.AddTag(SemanticConventions.MicroAttempt, attempt);
        }
        return activity;
    }

    /// <summary>Ends a publish span, marking it failed with <paramref name="errorType"/> when the broker refused the message.</summary>
    public static void End(Activity? activity, string? errorType)
    {
        if (activity is null) return;
        if (errorType is not null && activity.IsAllDataRequested)
        {
            activity.AddTag(SemanticConventions.ErrorType, errorType);
            activity.SetStatus(ActivityStatusCode.Error, errorType);
        }
        activity.Dispose();
    }

    /// <summary>Ends a process span with the subscriber's decision; a failure (exception or dead letter) marks it failed.</summary>
    public static void EndProcess(Activity? activity, DeliveryOutcome outcome, string? errorType)
    {
        if (activity is null) return;
        if (activity.IsAllDataRequested)
            activity.AddTag(SemanticConventions.MicroBrokerOutcome, outcome.Action switch
            {
                DeliveryAction.Ack => "ack",
                DeliveryAction.Retry => "retry",
                _ => "dead_letter",
            });
        End(activity, errorType);
    }
}
