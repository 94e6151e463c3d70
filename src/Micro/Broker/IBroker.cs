namespace Micro.Broker;

/// <summary>
/// Asynchronous messaging: publish to a topic, subscribe to it in a group (competing consumers) or as a
/// broadcast (every subscriber). Implementations: HTTP with a durable outbox (default), memory (one process),
/// NATS JetStream and core NATS (plug-in). All share <c>BrokerConformanceSuite</c>. Long-lived and thread-safe.
/// </summary>
public interface IBroker : IAsyncDisposable
{
    /// <summary>Short name of the implementation: "http", "memory", "nats", "nats-core".</summary>
    string Name { get; }

    /// <summary>What this broker promises; the conformance suite and the README read it.</summary>
    BrokerGuarantees Guarantees { get; }

    /// <summary>Published, delivered, redelivered, dead-lettered and pending counts.</summary>
    BrokerCounters Counters { get; }

    /// <summary>Opens connections and starts delivery loops; called on first use when not called explicitly.</summary>
    Task ConnectAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands <paramref name="message"/> to the broker. When the returned task completes the message is accepted:
    /// durably for at-least-once brokers (outbox written, JetStream acknowledged).
    /// </summary>
    /// <exception cref="MicroException">400 illegal topic, 413 message too large, 429 outbox full, 503 broker unreachable.</exception>
    ValueTask PublishAsync(BrokerMessage message, CancellationToken cancellationToken = default);

    /// <summary>Delivers messages of <paramref name="topic"/> to <paramref name="handler"/> until the subscription is disposed.</summary>
    Task<ISubscription> SubscribeAsync(string topic, BrokerHandler handler, SubscribeOptions options, CancellationToken cancellationToken = default);
}
