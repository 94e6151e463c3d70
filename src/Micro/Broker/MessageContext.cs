namespace Micro.Broker;

/// <summary>
/// What a subscriber's handler knows about the message it handles, and how it can decide the outcome itself:
/// returning normally acks, throwing retries with backoff, <see cref="RetryLater"/> and <see cref="DeadLetter"/> say so explicitly.
/// </summary>
public sealed class MessageContext
{
    internal MessageContext(BrokerDelivery delivery, SubscribeOptions options, IServiceProvider? services, CancellationToken cancellationToken)
    {
        Delivery = delivery;
        Options = options;
        Services = services;
        CancellationToken = cancellationToken;
    }

    /// <summary>The delivery: message, attempt number, group.</summary>
    public BrokerDelivery Delivery { get; }
    internal SubscribeOptions Options { get; }
    internal DeliveryOutcome? Decision { get; set; }

    /// <summary>The message as it arrived (headers, encoded body).</summary>
    public BrokerMessage Message => Delivery.Message;

    /// <summary>The topic the message was published to.</summary>
    public string Topic => Delivery.Message.Topic;

    /// <summary>The CloudEvents id; a redelivery carries the same id (use it to drop duplicates).</summary>
    public string? Id => Delivery.Message.Id;

    /// <summary>Headers and metadata as published.</summary>
    public IReadOnlyDictionary<string, string> Headers => Delivery.Message.Headers;

    /// <summary>1 on the first delivery.</summary>
    public int Attempt => Delivery.Attempt;

    /// <summary>The group this delivery is for.</summary>
    public string Group => Delivery.Group;

    /// <summary>The decoded message, once decoded (null in middleware before the handler).</summary>
    public object? Value { get; internal set; }

    /// <summary>Fires when the subscriber stops (unsubscribe, shutdown).</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The service's container, when the subscription belongs to a service.</summary>
    public IServiceProvider? Services { get; }

    /// <summary>Deliver this message again later (after <paramref name="delay"/>, or the retry policy's backoff); counts as an attempt.</summary>
    public void RetryLater(TimeSpan? delay = null) =>
        Decision = Attempt >= Options.Retry.MaxAttempts
            ? DeliveryOutcome.DeadLetter($"retry requested after {Attempt} attempts")
            : DeliveryOutcome.Retry(delay ?? Options.Retry.DelayAfter(Attempt), "retry requested by the handler");

    /// <summary>Move this message to <c>&lt;topic&gt;.dlq</c> now, with <paramref name="reason"/>.</summary>
    public void DeadLetter(string reason) => Decision = DeliveryOutcome.DeadLetter(reason);
}
