namespace Micro.Broker;

/// <summary>
/// Header names Micro sets. The first five are CloudEvents 1.0 attribute names, so other tools read them as they are.
/// </summary>
public static class BrokerHeaders
{
    /// <summary>CloudEvents id: a unique message id (a Guid unless the publisher chose one).</summary>
    public const string Id = "id";

    /// <summary>CloudEvents source: the publishing service.</summary>
    public const string Source = "source";

    /// <summary>CloudEvents type: the message's type name.</summary>
    public const string Type = "type";

    /// <summary>CloudEvents time: when it was published (RFC 3339, UTC).</summary>
    public const string Time = "time";

    /// <summary>CloudEvents datacontenttype: the codec of the body, e.g. application/json.</summary>
    public const string ContentType = "datacontenttype";

    /// <summary>CloudEvents specversion (always 1.0).</summary>
    public const string SpecVersion = "specversion";

    /// <summary>W3C trace context of the publishing activity, when there is one.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>On a dead letter: why it was dead-lettered.</summary>
    public const string DeadLetterReason = "micro-dlq-reason";

    /// <summary>On a dead letter: the topic it was published to.</summary>
    public const string DeadLetterTopic = "micro-dlq-topic";

    /// <summary>On a dead letter: the group that gave up on it.</summary>
    public const string DeadLetterGroup = "micro-dlq-group";

    /// <summary>On a dead letter: how many deliveries were made.</summary>
    public const string DeadLetterAttempts = "micro-dlq-attempts";

    /// <summary>Suffix of the dead-letter topic: <c>orders.placed</c> dead-letters to <c>orders.placed.dlq</c>.</summary>
    public const string DeadLetterSuffix = ".dlq";
}
