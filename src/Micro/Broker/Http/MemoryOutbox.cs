namespace Micro.Broker.Http;

/// <summary>An outbox that keeps nothing beyond the broker's own queues: fast, lost with the process (Outbox=memory).</summary>
internal sealed class MemoryOutbox : IOutbox
{
    private long _seq;

    public string Kind => "memory";

    public long NextSeq() => Interlocked.Increment(ref _seq);

    public ValueTask AddAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public void Remove(long seq) { }

    public void UpdateAttempt(long seq, int attempt) { }

    public ValueTask<IReadOnlyList<OutboxEntry>> LoadAsync(int maxBody, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<OutboxEntry>>([]);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
