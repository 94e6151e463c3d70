namespace Micro.Broker.Http;

/// <summary>
/// One pending delivery: a message for one group (or one broadcast subscriber; an empty group means "no subscriber
/// known yet"). The publisher keeps it until that group acknowledges.
/// </summary>
internal sealed class OutboxEntry(long seq, string group, BrokerMessage message, byte[] encoded, long createdMs)
{
    public long Seq { get; } = seq;
    public string Group { get; } = group;
    public BrokerMessage Message { get; } = message;

    /// <summary><see cref="Message"/> in <see cref="WireFormat"/>, as stored.</summary>
    public byte[] Encoded { get; } = encoded;

    public long CreatedMs { get; } = createdMs;

    /// <summary>Deliveries that reached a handler so far + 1 (kept in the file outbox, so a restarted publisher goes on counting).</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>When a subscriber first refused it (401/403; TimeProvider timestamp; 0 = never).</summary>
    public long RefusedSince { get; set; }

    /// <summary>When it may be delivered again (TimeProvider timestamp; 0 = now).</summary>
    public long DueAt { get; set; }
}
