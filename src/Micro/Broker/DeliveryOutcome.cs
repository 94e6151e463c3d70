namespace Micro.Broker;

/// <summary>What a subscriber decided about a delivery.</summary>
public enum DeliveryAction : byte
{
    /// <summary>Done: never deliver again.</summary>
    Ack = 0,

    /// <summary>Deliver again after <see cref="DeliveryOutcome.Delay"/>.</summary>
    Retry = 1,

    /// <summary>Move to <c>&lt;topic&gt;.dlq</c> with <see cref="DeliveryOutcome.Reason"/>.</summary>
    DeadLetter = 2,
}

/// <summary>The result of handling a delivery: ack, retry later, or dead-letter with a reason.</summary>
public readonly record struct DeliveryOutcome(DeliveryAction Action, TimeSpan Delay, string? Reason)
{
    /// <summary>Handled: remove the message.</summary>
    public static DeliveryOutcome Ack => default;

    /// <summary>Deliver again after a delay, with a reason for the logs.</summary>
    public static DeliveryOutcome Retry(TimeSpan delay, string? reason = null) => new(DeliveryAction.Retry, delay, reason);

    /// <summary>Move to the dead-letter topic at once, with a reason.</summary>
    public static DeliveryOutcome DeadLetter(string reason) => new(DeliveryAction.DeadLetter, TimeSpan.Zero, reason);

    /// <summary>A failed attempt: retry with the policy's backoff, or dead-letter once the attempts are used up.</summary>
    public static DeliveryOutcome Failed(RetryPolicy policy, int attempt, string reason)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return attempt >= policy.MaxAttempts
            ? DeadLetter($"failed {attempt} times: {reason}")
            : Retry(policy.DelayAfter(attempt), reason);
    }
}
