namespace Micro.Broker;

/// <summary>Error ids the brokers raise (besides <see cref="TopicName.IllegalError"/>).</summary>
public static class BrokerErrors
{
    /// <summary>413: a message larger than the broker's limit.</summary>
    public const string TooLarge = "micro.broker.message_too_large";

    /// <summary>429: the outbox holds its maximum of undelivered messages; the publisher must slow down.</summary>
    public const string OutboxFull = "micro.broker.outbox_full";

    /// <summary>503: the broker's server could not be reached or did not confirm.</summary>
    public const string Unavailable = "micro.broker.unavailable";

    /// <summary>400: the broker's server lacks a feature a subscription needs (e.g. an old NATS server).</summary>
    public const string Unsupported = "micro.broker.unsupported";
}
