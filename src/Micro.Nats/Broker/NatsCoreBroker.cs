using Micro.Broker;
using Micro.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;

namespace Micro.Nats.Broker;

/// <summary>
/// Core NATS, explicitly <b>at-most-once</b>: nothing is stored; a message reaches the subscribers connected when it is
/// published (groups as queue groups, broadcast as plain subscriptions). A failing handler is retried in this process
/// with the policy's backoff and then dead-lettered, but a message in flight when a subscriber dies is gone.
/// For at-least-once use <see cref="NatsJetStreamBroker"/>.
/// </summary>
public sealed class NatsCoreBroker : IBroker
{
    private static readonly INatsSerializer<byte[]> Bytes = NatsDefaultSerializer<byte[]>.Default;
    private static readonly INatsSerializer<ReadOnlyMemory<byte>> Memory = NatsDefaultSerializer<ReadOnlyMemory<byte>>.Default; // publish without a copy
    private readonly NatsConnection _connection;
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly NatsConnectOnce _connect;

    /// <summary>Core NATS (at-most-once) at <see cref="BrokerOptions.Address"/>.</summary>
    public NatsCoreBroker(BrokerOptions options, ILogger? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? NullLogger.Instance;
        _connection = NatsConnectionFactory.Create(options, "nats-core");
        _connect = new NatsConnectOnce(_connection, needJetStream: false);
    }

    /// <inheritdoc/>
    public string Name => "nats-core";

    /// <inheritdoc/>
    public BrokerGuarantees Guarantees { get; } = new(AtLeastOnce: false, Durable: false, OrderedPerPublisher: true);

    /// <inheritdoc/>
    public BrokerCounters Counters { get; } = new();

    /// <inheritdoc/>
    public Task ConnectAsync(CancellationToken cancellationToken = default) => _connect.EnsureAsync(cancellationToken).AsTask();

    /// <inheritdoc/>
    public async ValueTask PublishAsync(BrokerMessage message, CancellationToken cancellationToken = default)
    {
        PublishGuard.Check(message, _options);
        await _connect.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await _connection.PublishAsync(message.Topic, message.Body, NatsHeaderMapping.ToNats(message), serializer: Memory, cancellationToken: cancellationToken).ConfigureAwait(false);
        Counters.OnPublished();
    }

    /// <inheritdoc/>
    public async Task<ISubscription> SubscribeAsync(string topic, BrokerHandler handler, SubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        TopicName.Validate(topic);
        var group = options.EffectiveGroup(_id);
        TopicName.ValidateGroup(group);
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await _connection.SubscribeCoreAsync(topic, options.Broadcast ? null : group, Bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
        // A round trip makes sure the server has the subscription before we say it exists.
        await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
        var stop = new CancellationTokenSource();
        var loop = Task.Run(() => ConsumeAsync(subscription, topic, group, handler, options, stop.Token));
        return new CoreSubscription(topic, group, subscription, stop, loop);
    }

    private async Task ConsumeAsync(INatsSub<byte[]> subscription, string topic, string group, BrokerHandler handler, SubscribeOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var message = new BrokerMessage(msg.Subject, msg.Data ?? [], NatsHeaderMapping.FromNats(msg.Headers));
                for (var attempt = 1; ; attempt++)
                {
                    var outcome = await SafeHandler.InvokeAsync(handler, new BrokerDelivery(message, attempt, group), options.Retry, cancellationToken).ConfigureAwait(false);
                    if (outcome.Action == DeliveryAction.Ack)
                    {
                        Counters.OnDelivered();
                        break;
                    }
                    if (outcome.Action == DeliveryAction.DeadLetter)
                    {
                        Counters.OnDeadLettered();
                        await PublishAsync(DeadLetter.For(message, group, attempt, outcome.Reason ?? "dead-lettered"), CancellationToken.None).ConfigureAwait(false);
                        break;
                    }
                    if (cancellationToken.IsCancellationRequested)
                    {
                        NatsBrokerLog.Dropped(_logger, topic, attempt, "subscriber stopped");
                        return;
                    }
                    Counters.OnRedelivered();
                    await Task.Delay(outcome.Delay, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private sealed class CoreSubscription(string topic, string group, INatsSub<byte[]> subscription, CancellationTokenSource stop, Task loop) : ISubscription
    {
        public string Topic { get; } = topic;
        public string Group { get; } = group;

        /// <inheritdoc/>
        public async ValueTask DisposeAsync()
        {
            if (stop.IsCancellationRequested) return;
            await subscription.UnsubscribeAsync().ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(false);
            await subscription.DisposeAsync().ConfigureAwait(false);
            stop.Dispose();
        }
    }
}
