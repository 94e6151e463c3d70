using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Micro.Broker;
using Micro.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Micro.Nats.Broker;

/// <summary>
/// At-least-once messaging on NATS JetStream. One stream per topic prefix (<c>&lt;StreamPrefix&gt;orders</c> holds
/// <c>orders</c> and <c>orders.&gt;</c>, dead letters included), file storage; publish waits for the stream's ack
/// (with the message id for the server's duplicate window). One durable pull consumer per (group, topic), explicit
/// ack, AckWait, MaxDeliver; a failed attempt is NAKed with the retry policy's delay, the last one dead-lettered.
/// Every consumer config is read back from the server and refused when it dropped a setting (old servers ignore
/// what they do not know).
/// </summary>
public sealed class NatsJetStreamBroker : IBroker
{
    private static readonly INatsSerializer<ReadOnlyMemory<byte>> Bytes = NatsDefaultSerializer<ReadOnlyMemory<byte>>.Default;
    private readonly NatsConnection _connection;
    private readonly NatsJSContext _js;
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _streams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task>>.AlternateLookup<ReadOnlySpan<char>> _streamsByRoot;
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly NatsConnectOnce _connect;

    /// <summary>JetStream (at-least-once, durable) at <see cref="BrokerOptions.Address"/>.</summary>
    public NatsJetStreamBroker(BrokerOptions options, ILogger? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? NullLogger.Instance;
        _connection = NatsConnectionFactory.Create(options, "nats");
        _connect = new NatsConnectOnce(_connection, needJetStream: true);
        _js = new NatsJSContext(_connection);
        _streamsByRoot = _streams.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <inheritdoc/>
    public string Name => "nats";

    /// <summary>Ordered per publisher for a group with one consumer and MaxConcurrency 1 (redeliveries aside).</summary>
    public BrokerGuarantees Guarantees { get; } = new(AtLeastOnce: true, Durable: true, OrderedPerPublisher: true);

    /// <inheritdoc/>
    public BrokerCounters Counters { get; } = new();

    /// <inheritdoc/>
    public Task ConnectAsync(CancellationToken cancellationToken = default) => _connect.EnsureAsync(cancellationToken).AsTask();

    /// <inheritdoc/>
    public async ValueTask PublishAsync(BrokerMessage message, CancellationToken cancellationToken = default)
    {
        PublishGuard.Check(message, _options);
        await _connect.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var stream = EnsureStreamAsync(message.Topic);
        if (!stream.IsCompletedSuccessfully) await stream.WaitAsync(cancellationToken).ConfigureAwait(false);
        PubAckResponse ack;
        try
        {
            ack = await _js.PublishAsync(message.Topic, message.Body, Bytes,
                message.Id is null ? null : new NatsJSPubOpts { MsgId = DeduplicationId(message) }, NatsHeaderMapping.ToNats(message), cancellationToken).ConfigureAwait(false);
        }
        catch (NatsException e) when (e is not NatsJSApiException)
        {
            throw new MicroException(BrokerErrors.Unavailable, 503, $"JetStream did not confirm the publish to {message.Topic}: {e.Message}", e);
        }
        ack.EnsureSuccess();
        Counters.OnPublished();
    }

    /// <summary>
    /// The server drops a second publish with the same id within its duplicate window (a retried publish stays one message).
    /// The topic and, for dead letters, the group are part of it: each group's dead letter of one message is its own.
    /// </summary>
    private static string DeduplicationId(BrokerMessage message) =>
        message.Headers.TryGetValue(BrokerHeaders.DeadLetterGroup, out var group)
            ? message.Topic + "/" + message.Id + "/" + group
            : message.Topic + "/" + message.Id;

    /// <summary>The stream of a topic: the prefix plus its first token.</summary>
    internal string StreamOf(string topic)
    {
        var dot = topic.IndexOf('.');
        return _options.StreamPrefix + (dot < 0 ? topic : topic[..dot]);
    }

    private Task EnsureStreamAsync(string topic)
    {
        var dot = topic.IndexOf('.');
        // Every publish asks: a known stream is found by the span of its root, without cutting a string or making a delegate.
        if (_streamsByRoot.TryGetValue(dot < 0 ? topic : topic.AsSpan(0, dot), out var known) && known.IsValueCreated
            && known.Value is { IsCompletedSuccessfully: true } created) return created;
        var root = dot < 0 ? topic : topic[..dot];
        var lazy = _streams.GetOrAdd(root, r => new Lazy<Task>(() => CreateStreamAsync(r)));
        var task = lazy.Value;
        if (task.IsFaulted) _streams.TryRemove(new KeyValuePair<string, Lazy<Task>>(root, lazy));
        return task;
    }

    private async Task CreateStreamAsync(string root)
    {
        var config = new StreamConfig(_options.StreamPrefix + root, [root, root + ".>"])
        {
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            DuplicateWindow = TimeSpan.FromMinutes(2),
        };
        await _js.CreateOrUpdateStreamAsync(config).ConfigureAwait(false);
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
        await EnsureStreamAsync(topic).WaitAsync(cancellationToken).ConfigureAwait(false);
        var name = ConsumerName(group, topic);
        var wanted = new ConsumerConfig(name)
        {
            DurableName = name,
            FilterSubject = topic,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = options.AckWait,
            // One delivery more than the policy allows: the extra one only dead-letters (handlers that crashed the process).
            MaxDeliver = options.Retry.MaxAttempts + 1,
            DeliverPolicy = ConsumerConfigDeliverPolicy.New,
            MaxAckPending = Math.Max(1000, options.MaxConcurrency * 256),
            // A broadcast consumer belongs to this process: the server removes it once nobody pulls.
            InactiveThreshold = options.Broadcast ? TimeSpan.FromMinutes(2) : TimeSpan.Zero,
        };
        var consumer = await _js.CreateOrUpdateConsumerAsync(StreamOf(topic), wanted, cancellationToken).ConfigureAwait(false);
        RefuseDropped(wanted, consumer.Info.Config, _connection.ServerInfo?.Version);
        var subscription = new NatsJetStreamSubscription(this, topic, group, consumer, handler, options);
        subscription.Start();
        return subscription;
    }

    /// <summary>Durable names allow no dots: the readable part plus a hash of the exact pair, so distinct pairs never collide.</summary>
    internal static string ConsumerName(string group, string topic)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(group + "\n" + topic)))[..10];
        var readable = (group + "_" + topic).Replace('.', '_');
        if (readable.Length > 100) readable = readable[..100];
        return readable + "_" + hash;
    }

    /// <summary>An older server answers success and silently leaves out what it does not know: compare what came back.</summary>
    internal static void RefuseDropped(ConsumerConfig wanted, ConsumerConfig got, string? serverVersion)
    {
        var dropped = new List<string>();
        if (got.FilterSubject != wanted.FilterSubject) dropped.Add($"FilterSubject (asked {wanted.FilterSubject}, got {got.FilterSubject ?? "none"})");
        if (got.MaxDeliver != wanted.MaxDeliver) dropped.Add($"MaxDeliver (asked {wanted.MaxDeliver}, got {got.MaxDeliver})");
        if (got.AckWait != wanted.AckWait) dropped.Add($"AckWait (asked {wanted.AckWait}, got {got.AckWait})");
        if (got.AckPolicy != wanted.AckPolicy) dropped.Add($"AckPolicy (asked {wanted.AckPolicy}, got {got.AckPolicy})");
        if (wanted.InactiveThreshold > TimeSpan.Zero && got.InactiveThreshold != wanted.InactiveThreshold) dropped.Add($"InactiveThreshold (asked {wanted.InactiveThreshold}, got {got.InactiveThreshold})");
        if (wanted.FilterSubjects is { Count: > 0 } && (got.FilterSubjects is null || !got.FilterSubjects.SequenceEqual(wanted.FilterSubjects))) dropped.Add("FilterSubjects (NATS 2.10+)");
        if (dropped.Count > 0)
            throw new MicroException(BrokerErrors.Unsupported, 400,
                $"NATS server {serverVersion} did not apply consumer settings {wanted.Name} needs: {string.Join("; ", dropped)}");
    }

    internal async ValueTask HandleAsync(NatsJetStreamSubscription subscription, INatsJSMsg<byte[]> msg, CancellationToken cancellationToken)
    {
        var attempt = (int)Math.Min(msg.Metadata?.NumDelivered ?? 1, int.MaxValue);
        var message = new BrokerMessage(msg.Subject, msg.Data ?? [], NatsHeaderMapping.FromNats(msg.Headers));
        var retry = subscription.Options.Retry;
        DeliveryOutcome outcome;
        if (attempt > retry.MaxAttempts)
        {
            // Delivered past the limit without a verdict: handlers that timed out or took the process down.
            outcome = DeliveryOutcome.DeadLetter($"delivered {attempt - 1} times without an answer within AckWait {subscription.Options.AckWait}");
            attempt--;
        }
        else
        {
            outcome = await SafeHandler.InvokeAsync(subscription.Handler, new BrokerDelivery(message, attempt, subscription.Group), retry, cancellationToken).ConfigureAwait(false);
        }
        if (attempt > 1) Counters.OnRedelivered();
        switch (outcome.Action)
        {
            case DeliveryAction.Ack:
                await msg.AckAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                Counters.OnDelivered();
                break;
            case DeliveryAction.DeadLetter:
                // The dead letter is stored before the original is acknowledged: a crash in between duplicates, never loses.
                await PublishAsync(DeadLetter.For(message, subscription.Group, attempt, outcome.Reason ?? "dead-lettered"), CancellationToken.None).ConfigureAwait(false);
                await msg.AckTerminateAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                Counters.OnDeadLettered();
                NatsBrokerLog.DeadLettered(_logger, message.Topic, message.Id, subscription.Group, outcome.Reason ?? "");
                break;
            default:
                await msg.NakAsync(new AckOpts { NakDelay = outcome.Delay }, CancellationToken.None).ConfigureAwait(false);
                break;
        }
    }

    internal Task DeleteConsumerAsync(string topic, string name) => _js.DeleteConsumerAsync(StreamOf(topic), name).AsTask();

    internal ILogger Logger => _logger;

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
