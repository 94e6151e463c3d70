namespace Micro.Broker;

/// <summary>How a subscriber takes messages: its group (or broadcast), retries, concurrency.</summary>
public sealed class SubscribeOptions
{
    /// <summary>
    /// Subscribers sharing a group share the messages: each message goes to one of them (competing consumers).
    /// A service's subscriptions default to the service's name. Ignored when <see cref="Broadcast"/> is set.
    /// </summary>
    public string? Group { get; set; }

    /// <summary>Every subscriber (every replica) receives every message.</summary>
    public bool Broadcast { get; set; }

    /// <summary>Redelivery with backoff, then the dead-letter topic.</summary>
    public RetryPolicy Retry { get; set; } = new();

    /// <summary>
    /// Messages handled at the same time by this subscriber, whatever the number of publishers (HTTP broker: the items of a
    /// batch run side by side above 1). Default 1, which keeps each publisher's order.
    /// </summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>How long a handler may take before the delivery counts as failed (JetStream AckWait, HTTP request timeout). Default 30 s.</summary>
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>For broker implementations: the group to use, the explicit one or, when broadcasting, one of this subscriber's own.</summary>
    public string EffectiveGroup(string subscriberId) =>
        Broadcast ? "broadcast-" + subscriberId : (string.IsNullOrEmpty(Group) ? throw new ArgumentException("a subscription needs a Group or Broadcast") : Group);
}
