using System.Collections.Concurrent;
using System.Threading.Channels;
using Micro.Errors;

namespace Micro.Broker;

/// <summary>
/// In-process broker for tests and single-process apps: the same group, broadcast, retry and dead-letter
/// semantics as the others, without durability (messages live as long as the process). Messages published
/// to a topic before any group subscribed are dropped; a group whose members all left keeps its queue.
/// </summary>
public sealed class MemoryBroker(BrokerOptions? options = null, TimeProvider? time = null) : IBroker
{
    private readonly BrokerOptions _options = options ?? new BrokerOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, TopicGroups> _topics = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    /// <inheritdoc/>
    public string Name => "memory";

    /// <inheritdoc/>
    public BrokerGuarantees Guarantees { get; } = new(AtLeastOnce: true, Durable: false, OrderedPerPublisher: true);

    /// <inheritdoc/>
    public BrokerCounters Counters { get; } = new();

    /// <inheritdoc/>
    public Task ConnectAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc/>
    public ValueTask PublishAsync(BrokerMessage message, CancellationToken cancellationToken = default)
    {
        PublishGuard.Check(message, _options);
        Counters.OnPublished();
        if (!_topics.TryGetValue(message.Topic, out var topic)) return ValueTask.CompletedTask;
        foreach (var group in topic.Snapshot)
        {
            Counters.AddPending(1);
            group.Queue.Writer.TryWrite(new Pending(message, 1));
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<ISubscription> SubscribeAsync(string topic, BrokerHandler handler, SubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        TopicName.Validate(topic);
        var id = Guid.NewGuid().ToString("N")[..12];
        var groupName = options.EffectiveGroup(id);
        if (!options.Broadcast) TopicName.ValidateGroup(groupName);
        var groups = _topics.GetOrAdd(topic, _ => new TopicGroups());
        MemoryGroup group;
        lock (groups)
        {
            if (!groups.ByName.TryGetValue(groupName, out group!))
            {
                group = new MemoryGroup(groupName, options.Broadcast);
                groups.ByName[groupName] = group;
                groups.Snapshot = [.. groups.ByName.Values];
            }
        }
        var subscription = new MemorySubscription(this, topic, group, handler, options);
        subscription.Start();
        return Task.FromResult<ISubscription>(subscription);
    }

    private async Task HandleAsync(MemorySubscription subscription, Pending pending, CancellationToken cancellationToken)
    {
        var delivery = new BrokerDelivery(pending.Message, pending.Attempt, subscription.Group);
        var outcome = await SafeHandler.InvokeAsync(subscription.Handler, delivery, subscription.Options.Retry, cancellationToken).ConfigureAwait(false);
        switch (outcome.Action)
        {
            case DeliveryAction.Ack:
                Counters.AddPending(-1);
                Counters.OnDelivered();
                break;
            case DeliveryAction.DeadLetter:
                Counters.AddPending(-1);
                Counters.OnDeadLettered();
                await PublishAsync(DeadLetter.For(pending.Message, subscription.Group, pending.Attempt, outcome.Reason ?? "dead-lettered"), CancellationToken.None).ConfigureAwait(false);
                break;
            default:
                Counters.OnRedelivered();
                var next = cancellationToken.IsCancellationRequested ? pending : pending with { Attempt = pending.Attempt + 1 };
                _ = RequeueAsync(subscription.GroupState, next, outcome.Delay);
                break;
        }
    }

    private async Task RequeueAsync(MemoryGroup group, Pending pending, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            try { await Task.Delay(delay, _time, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
        group.Queue.Writer.TryWrite(pending);
    }

    private void Leave(MemorySubscription subscription)
    {
        if (!subscription.GroupState.Broadcast || !_topics.TryGetValue(subscription.Topic, out var groups)) return;
        // A broadcast subscriber's queue is its own: it goes with it.
        lock (groups)
        {
            groups.ByName.Remove(subscription.Group);
            groups.Snapshot = [.. groups.ByName.Values];
        }
        while (subscription.GroupState.Queue.Reader.TryRead(out _)) Counters.AddPending(-1);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private readonly record struct Pending(BrokerMessage Message, int Attempt);

    private sealed class TopicGroups
    {
        public readonly Dictionary<string, MemoryGroup> ByName = new(StringComparer.Ordinal);
        public volatile MemoryGroup[] Snapshot = [];
    }

    private sealed class MemoryGroup(string name, bool broadcast)
    {
        /// <inheritdoc/>
        public string Name { get; } = name;
        public bool Broadcast { get; } = broadcast;
        public Channel<Pending> Queue { get; } = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    }

    private sealed class MemorySubscription(MemoryBroker broker, string topic, MemoryGroup group, BrokerHandler handler, SubscribeOptions options) : ISubscription
    {
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(broker._stop.Token);
        private Task[] _workers = [];

        public string Topic { get; } = topic;
        public string Group => group.Name;
        public MemoryGroup GroupState => group;
        public BrokerHandler Handler => handler;
        public SubscribeOptions Options => options;

        // Each worker is waiting on the queue when SubscribeAsync returns (not once the thread pool gets to it): a message
        // published right after is shared with this subscriber.
        public void Start() =>
            _workers = Enumerable.Range(0, Math.Max(1, options.MaxConcurrency)).Select(_ => WorkAsync(_stop.Token)).ToArray();

        private async Task WorkAsync(CancellationToken cancellationToken)
        {
            var reader = group.Queue.Reader;
            try
            {
                // ReadAsync, not WaitToReadAsync and a drain: the channel hands each new message to the reader that has
                // waited longest, so a burst is spread over a group's idle members instead of the first one awake
                // taking all of it (with a fast handler it would get every message).
                var next = reader.ReadAsync(cancellationToken);
                // Handlers never run on the subscriber's own thread, nor in its synchronization context.
                await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
                while (true)
                {
                    var pending = await next.ConfigureAwait(false);
                    await broker.HandleAsync(this, pending, cancellationToken).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    next = reader.ReadAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        }

        /// <inheritdoc/>
        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested) return;
            await _stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_workers).ConfigureAwait(false);
            broker.Leave(this);
            _stop.Dispose();
        }
    }
}
