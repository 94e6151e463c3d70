namespace Micro.Broker.Http;

/// <summary>
/// Where the HTTP broker keeps undelivered messages. <see cref="AddAsync"/> is durable when it returns (that is what
/// lets PublishAsync promise delivery); <see cref="Remove"/> may be written later: a removal lost in a crash only
/// means one more delivery, which at-least-once allows.
/// </summary>
internal interface IOutbox : IAsyncDisposable
{
    /// <summary>"file" or "memory".</summary>
    string Kind { get; }

    /// <summary>A sequence number never handed out before by this outbox (also across restarts).</summary>
    long NextSeq();

    ValueTask AddAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken);

    void Remove(long seq);

    /// <summary>Records that a handler saw the entry and asked for it again (its next attempt); may be written later, like a removal.</summary>
    void UpdateAttempt(long seq, int attempt);

    /// <summary>What a previous run left undelivered, oldest first.</summary>
    ValueTask<IReadOnlyList<OutboxEntry>> LoadAsync(int maxBody, CancellationToken cancellationToken);
}
