using System.Diagnostics;

namespace Micro.Telemetry;

/// <summary>
/// Spans for messages, ready for the broker to call: a producer span per publish whose context travels in the message
/// headers (<c>traceparent</c>/<c>tracestate</c>), and a consumer span per delivery handled, child of the publish that
/// sent it, so one trace crosses the topic. Attributes follow the OpenTelemetry messaging conventions.
/// </summary>
internal static class MessagingSpans
{
    /// <summary>Starts the "send {topic}" span and writes its context into <paramref name="headers"/> (or the current one's, when nobody samples).</summary>
    public static Activity? StartPublish(string system, string topic, IDictionary<string, string> headers)
    {
        var activity = MicroTelemetry.Source.HasListeners() ? MicroTelemetry.Source.StartActivity("send " + topic, ActivityKind.Producer) : null;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(SemanticConventions.MessagingSystem, system);
            activity.SetTag(SemanticConventions.MessagingDestinationName, topic);
            activity.SetTag(SemanticConventions.MessagingOperationType, "send");
        }
        TraceContext.Inject(activity ?? Activity.Current, headers);
        return activity;
    }

    /// <summary>Starts the "process {topic}" span for one delivery, parented by the publish named in <paramref name="headers"/>.</summary>
    public static Activity? StartProcess(string system, string topic, string? group, string? messageId, IReadOnlyDictionary<string, string>? headers)
    {
        if (!MicroTelemetry.Source.HasListeners()) return null;
        var activity = MicroTelemetry.Source.StartActivity("process " + topic, ActivityKind.Consumer, TraceContext.Extract(headers));
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(SemanticConventions.MessagingSystem, system);
            activity.SetTag(SemanticConventions.MessagingDestinationName, topic);
            activity.SetTag(SemanticConventions.MessagingOperationType, "process");
            if (group is not null) activity.SetTag(SemanticConventions.MessagingConsumerGroupName, group);
            if (messageId is not null) activity.SetTag(SemanticConventions.MessagingMessageId, messageId);
        }
        return activity;
    }

    /// <summary>Ends a messaging span, marking it failed with the error's id when the handler or broker failed.</summary>
    public static void End(Activity? activity, Exception? error)
    {
        if (activity is null) return;
        if (error is not null && activity.IsAllDataRequested)
        {
            var outcome = CallOutcomeInfo.From(error);
            activity.SetTag(SemanticConventions.ErrorType, outcome.ErrorId);
            activity.SetStatus(ActivityStatusCode.Error, outcome.ErrorId);
        }
        activity.Dispose();
    }
}
