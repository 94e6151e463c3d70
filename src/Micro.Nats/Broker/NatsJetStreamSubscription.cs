using Micro.Broker;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Micro.Nats.Broker;

/// <summary>A pull-consume loop on one durable consumer; up to MaxConcurrency messages are handled at once.</summary>
internal sealed class NatsJetStreamSubscription(NatsJetStreamBroker broker, string topic, string group, INatsJSConsumer consumer, BrokerHandler handler, SubscribeOptions options)
    : ISubscription
{
    private static readonly INatsDeserialize<byte[]> Bytes = NatsDefaultSerializer<byte[]>.Default;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public string Topic { get; } = topic;
    public string Group { get; } = group;
    public BrokerHandler Handler { get; } = handler;
    public SubscribeOptions Options { get; } = options;

    public void Start() => _loop = Task.Run(() => ConsumeAsync(_stop.Token));

    private async Task ConsumeAsync(CancellationToken cancellationToken)
    {
        var concurrency = Math.Max(1, Options.MaxConcurrency);
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var running = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // NATS.Net's default batch (1000) keeps the pipe full; the server spreads pulls of a group's consumers.
                var consume = new NatsJSConsumeOpts { MaxMsgs = Math.Max(1000, concurrency * 64) };
                await foreach (var msg in consumer.ConsumeAsync(Bytes, consume, cancellationToken).ConfigureAwait(false))
                {
                    if (concurrency == 1)
                    {
                        await broker.HandleAsync(this, msg, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    running.RemoveAll(t => t.IsCompleted);
                    running.Add(Task.Run(async () =>
                    {
                        try { await broker.HandleAsync(this, msg, cancellationToken).ConfigureAwait(false); }
                        finally { slots.Release(); }
                    }, CancellationToken.None));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Connection lost or consumer gone: the messages stay on the server; pull again shortly.
                NatsBrokerLog.ConsumeFailed(broker.Logger, Topic, Group, e);
                try { await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
        }
        try { await Task.WhenAll(running).ConfigureAwait(false); } catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        if (Options.Broadcast)
        {
            try { await broker.DeleteConsumerAsync(Topic, NatsJetStreamBroker.ConsumerName(Group, Topic)).ConfigureAwait(false); }
            catch (NatsException) { /* the server removes it after InactiveThreshold anyway */ }
        }
        _stop.Dispose();
    }
}
