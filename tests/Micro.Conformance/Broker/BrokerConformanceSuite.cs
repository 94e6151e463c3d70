using System.Diagnostics;
using System.Text;
using Micro.Broker;
using Micro.Codec;
using Micro.Errors;
using Xunit;

namespace Micro.Conformance.Broker;

/// <summary>
/// What every <see cref="IBroker"/> must do. A backend's test project subclasses this with a factory. Each "node" is a
/// broker as one service process would hold it; nodes of one test share the backend (one memory broker, one registry,
/// one NATS server). Topics carry a per-run prefix so suites can share a real server.
/// </summary>
public abstract class BrokerConformanceSuite : IAsyncLifetime
{
    private readonly List<IBroker> _nodes = [];
    private readonly List<ISubscription> _subscriptions = [];

    protected BrokerConformanceSuite()
    {
        Run = "t" + Guid.NewGuid().ToString("N")[..10];
    }

    /// <summary>This test's topic prefix.</summary>
    protected string Run { get; }

    /// <summary>How long a test waits for deliveries before it fails.</summary>
    protected virtual TimeSpan Patience => TimeSpan.FromSeconds(30);

    /// <summary>Whether the broker runs a subscription's handlers side by side when MaxConcurrency allows it.</summary>
    protected virtual bool RunsHandlersConcurrently => true;

    /// <summary>A new node: a broker as one more service process would have it.</summary>
    protected abstract Task<IBroker> CreateNodeAsync();

    /// <summary>Makes messages published after it returns reach the subscriptions made so far (e.g. registry propagation).</summary>
    protected virtual Task SettleAsync(IBroker publisher, string topic, int subscriptions) => Task.CompletedTask;

    protected string Topic(string name) => Run + "." + name;

    protected async Task<IBroker> NodeAsync()
    {
        var node = await CreateNodeAsync();
        _nodes.Add(node);
        return node;
    }

    protected async Task<ISubscription> SubscribeAsync(IBroker node, string topic, BrokerHandler handler, Action<SubscribeOptions>? configure = null)
    {
        var options = new SubscribeOptions { Group = "g" };
        configure?.Invoke(options);
        var subscription = await node.SubscribeAsync(topic, handler, options);
        _subscriptions.Add(subscription);
        return subscription;
    }

    protected static BrokerMessage Message(string topic, string text, int index = 0) => new(topic, Encoding.UTF8.GetBytes(text),
        new Dictionary<string, string> { [BrokerHeaders.Id] = Guid.NewGuid().ToString(), ["n"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    protected static int Index(BrokerDelivery delivery) => int.Parse(delivery.Message.Headers["n"], System.Globalization.CultureInfo.InvariantCulture);

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Removes what the test left on a shared server (JetStream streams of <see cref="Run"/>).</summary>
    protected virtual Task DropAsync(string run) => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var subscription in _subscriptions) await subscription.DisposeAsync();
        foreach (var node in _nodes.Distinct()) await node.DisposeAsync();
        await DropAsync(Run);
    }

    [Fact]
    public async Task FanOut_ThreeServices_EachReceivesEveryMessageOnce()
    {
        var topic = Topic("fanout");
        var collectors = new[] { new MessageCollector(), new MessageCollector(), new MessageCollector() };
        for (var i = 0; i < 3; i++) await SubscribeAsync(await NodeAsync(), topic, collectors[i].Handler, o => o.Group = "service" + i);
        var publisher = await NodeAsync();
        await SettleAsync(publisher, topic, 3);
        for (var i = 0; i < 50; i++) await publisher.PublishAsync(Message(topic, "m", i));
        foreach (var collector in collectors) await collector.WaitForCountAsync(50, Patience);
        foreach (var collector in collectors)
        {
            Assert.Equal(50, collector.Ids.Distinct().Count());
            Assert.Equal(50, collector.Count);
        }
    }

    [Fact]
    public async Task Group_ThreeReplicas_EachMessageHandledByExactlyOne()
    {
        var topic = Topic("group");
        var all = new MessageCollector();
        var perReplica = new[] { new MessageCollector(), new MessageCollector(), new MessageCollector() };
        for (var i = 0; i < 3; i++)
        {
            var mine = perReplica[i];
            await SubscribeAsync(await NodeAsync(), topic, (delivery, ct) => { mine.Add(delivery); all.Add(delivery); return ValueTask.FromResult(DeliveryOutcome.Ack); },
                o => o.Group = "workers");
        }
        var publisher = await NodeAsync();
        await SettleAsync(publisher, topic, 3);
        // Waves, each awaited, so every replica gets its chance at some of them.
        for (var wave = 0; wave < 12; wave++)
        {
            for (var i = 0; i < 10; i++) await publisher.PublishAsync(Message(topic, "w", wave * 10 + i));
            await all.WaitForCountAsync((wave + 1) * 10, Patience);
        }
        Assert.Equal(120, all.Ids.Distinct().Count());
        Assert.Equal(120, all.Count);
        Assert.True(perReplica.Count(r => r.Count > 0) >= 2, "the group's messages all went to one replica: " + string.Join(",", perReplica.Select(r => r.Count)));
    }

    [Fact]
    public async Task Broadcast_EveryReplicaReceivesEveryMessage()
    {
        var topic = Topic("broadcast");
        var collectors = new[] { new MessageCollector(), new MessageCollector(), new MessageCollector() };
        for (var i = 0; i < 3; i++) await SubscribeAsync(await NodeAsync(), topic, collectors[i].Handler, o => o.Broadcast = true);
        var publisher = await NodeAsync();
        await SettleAsync(publisher, topic, 3);
        for (var i = 0; i < 20; i++) await publisher.PublishAsync(Message(topic, "b", i));
        foreach (var collector in collectors) await collector.WaitForCountAsync(20, Patience);
        Assert.All(collectors, c => Assert.Equal(20, c.Ids.Distinct().Count()));
    }

    [Fact]
    public async Task Headers_AndTypedBody_RoundTrip()
    {
        var topic = Topic("headers");
        var node = await NodeAsync();
        var codecs = BrokerTestJson.Codecs();
        var received = new TaskCompletionSource<(OrderPlaced Order, MessageContext Context)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new SubscribeOptions { Group = "headers" };
        var handler = MessageSubscriber.Create<OrderPlaced>((order, context) => { received.TrySetResult((order, context)); return Task.CompletedTask; }, options, codecs);
        _subscriptions.Add(await node.SubscribeAsync(topic, handler, options));
        var publisherNode = await NodeAsync();
        await SettleAsync(publisherNode, topic, 1);
        var publisher = new MessagePublisher(() => publisherNode, codecs, "orders-service");
        using var activity = new Activity("publish").SetIdFormat(ActivityIdFormat.W3C).Start();
        await publisher.PublishAsync(topic, new OrderPlaced("o-1", 42), new PublishOptions { Metadata = new Dictionary<string, string> { ["Tenant"] = "acme" } });
        var (order, context) = await received.Task.WaitAsync(Patience);
        Assert.Equal(new OrderPlaced("o-1", 42), order);
        Assert.Equal("acme", context.Headers["tenant"]);
        Assert.Equal("orders-service", context.Headers[BrokerHeaders.Source]);
        Assert.Equal(typeof(OrderPlaced).FullName, context.Headers[BrokerHeaders.Type]);
        Assert.Equal("application/json", context.Headers[BrokerHeaders.ContentType]);
        Assert.Equal("1.0", context.Headers[BrokerHeaders.SpecVersion]);
        Assert.True(Guid.TryParse(context.Id, out _));
        Assert.True(DateTimeOffset.TryParse(context.Headers[BrokerHeaders.Time], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time));
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - time).TotalMinutes) < 5);
        Assert.Equal(activity.Id, context.Headers[BrokerHeaders.TraceParent]);
        Assert.Equal(1, context.Attempt);
        Assert.Equal(topic, context.Topic);
    }

    [Fact]
    public async Task FailingHandler_IsRetriedWithBackoff_ThenDeadLetteredWithReason()
    {
        var topic = Topic("failing");
        var node = await NodeAsync();
        var attempts = new List<(int Attempt, long At)>();
        await SubscribeAsync(node, topic, (delivery, _) =>
        {
            lock (attempts) attempts.Add((delivery.Attempt, Stopwatch.GetTimestamp()));
            throw new InvalidOperationException("boom " + delivery.Attempt);
        }, o => { o.Group = "failing"; o.Retry = new RetryPolicy { MaxAttempts = 3, InitialDelay = TimeSpan.FromMilliseconds(100), Jitter = 0 }; });
        var dead = new MessageCollector();
        await SubscribeAsync(node, TopicName.DeadLetterOf(topic), dead.Handler, o => o.Group = "dlq-reader");
        await SettleAsync(node, topic, 1);
        await SettleAsync(node, TopicName.DeadLetterOf(topic), 1);
        var message = Message(topic, "poison");
        await node.PublishAsync(message);
        await dead.WaitForCountAsync(1, Patience);
        var letter = dead.Received[0].Message;
        Assert.Equal(message.Id, letter.Id);
        Assert.Equal("poison", Encoding.UTF8.GetString(letter.Body.Span));
        Assert.Contains("boom 3", letter.Headers[BrokerHeaders.DeadLetterReason]);
        Assert.Equal(topic, letter.Headers[BrokerHeaders.DeadLetterTopic]);
        Assert.Equal("failing", letter.Headers[BrokerHeaders.DeadLetterGroup]);
        Assert.Equal("3", letter.Headers[BrokerHeaders.DeadLetterAttempts]);
        lock (attempts)
        {
            Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
            // Backoff: 100 ms, then 200 ms (no jitter); allow for timer granularity, never much shorter.
            Assert.True(Stopwatch.GetElapsedTime(attempts[0].At, attempts[1].At) >= TimeSpan.FromMilliseconds(80));
            Assert.True(Stopwatch.GetElapsedTime(attempts[1].At, attempts[2].At) >= TimeSpan.FromMilliseconds(170));
        }
    }

    [Fact]
    public async Task MalformedPayload_IsDeadLetteredAtOnce()
    {
        var topic = Topic("malformed");
        var node = await NodeAsync();
        var handled = 0;
        var options = new SubscribeOptions { Group = "typed" };
        var handler = MessageSubscriber.Create<OrderPlaced>((_, _) => { Interlocked.Increment(ref handled); return Task.CompletedTask; }, options, BrokerTestJson.Codecs());
        _subscriptions.Add(await node.SubscribeAsync(topic, handler, options));
        var dead = new MessageCollector();
        await SubscribeAsync(node, TopicName.DeadLetterOf(topic), dead.Handler, o => o.Group = "dlq-reader");
        await SettleAsync(node, topic, 1);
        await SettleAsync(node, TopicName.DeadLetterOf(topic), 1);
        var message = Message(topic, "{not json");
        message.Headers[BrokerHeaders.ContentType] = "application/json";
        await node.PublishAsync(message);
        await dead.WaitForCountAsync(1, Patience);
        Assert.Equal(0, handled);
        Assert.StartsWith("malformed payload", dead.Received[0].Message.Headers[BrokerHeaders.DeadLetterReason]);
        Assert.Equal("1", dead.Received[0].Message.Headers[BrokerHeaders.DeadLetterAttempts]);
    }

    [Fact]
    public async Task Handler_CanRetryLaterAndDeadLetterExplicitly()
    {
        var topic = Topic("explicit");
        var node = await NodeAsync();
        var seen = new MessageCollector();
        var options = new SubscribeOptions { Group = "explicit", Retry = new RetryPolicy { MaxAttempts = 5 } };
        var handler = MessageSubscriber.Create<OrderPlaced>((order, context) =>
        {
            seen.Add(context.Delivery);
            if (order.Id == "later" && context.Attempt == 1) context.RetryLater(TimeSpan.FromMilliseconds(50));
            if (order.Id == "reject") context.DeadLetter("customer unknown");
            return Task.CompletedTask;
        }, options, BrokerTestJson.Codecs());
        _subscriptions.Add(await node.SubscribeAsync(topic, handler, options));
        var dead = new MessageCollector();
        await SubscribeAsync(node, TopicName.DeadLetterOf(topic), dead.Handler, o => o.Group = "dlq-reader");
        await SettleAsync(node, topic, 1);
        await SettleAsync(node, TopicName.DeadLetterOf(topic), 1);
        var publisher = new MessagePublisher(() => node, BrokerTestJson.Codecs(), "test");
        await publisher.PublishAsync(topic, new OrderPlaced("later", 1));
        await publisher.PublishAsync(topic, new OrderPlaced("reject", 2));
        await dead.WaitForCountAsync(1, Patience);
        await seen.WaitForCountAsync(3, Patience);
        Assert.Equal("customer unknown", dead.Received[0].Message.Headers[BrokerHeaders.DeadLetterReason]);
        Assert.Contains(seen.Received, d => d.Attempt == 2);
    }

    [Fact]
    public async Task Unsubscribe_StopsDelivery()
    {
        var topic = Topic("unsubscribe");
        var node = await NodeAsync();
        var first = new MessageCollector();
        var subscription = await node.SubscribeAsync(topic, first.Handler, new SubscribeOptions { Group = "leaving" });
        var witness = new MessageCollector();
        await SubscribeAsync(node, topic, witness.Handler, o => o.Group = "staying");
        var publisher = await NodeAsync();
        await SettleAsync(publisher, topic, 2);
        await publisher.PublishAsync(Message(topic, "before", 0));
        await first.WaitForCountAsync(1, Patience);
        await subscription.DisposeAsync();
        for (var i = 1; i <= 5; i++) await publisher.PublishAsync(Message(topic, "after", i));
        await witness.WaitForCountAsync(6, Patience);
        Assert.Equal(1, first.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task MaxConcurrency_BoundsHandlersRunningAtOnce_AcrossPublishers(int limit)
    {
        var topic = Topic("concurrency" + limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (running, peak, done) = (0, 0, 0);
        await SubscribeAsync(await NodeAsync(), topic, async (delivery, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            int seen;
            while (now > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen) { }
            await Task.Delay(10, ct); // work that overlaps whenever the broker lets it
            Interlocked.Decrement(ref running);
            Interlocked.Increment(ref done);
            return DeliveryOutcome.Ack;
        }, o => o.MaxConcurrency = limit);
        // Two publishers at once: the bound holds across them, not only within one's stream.
        var publishers = new[] { await NodeAsync(), await NodeAsync() };
        foreach (var publisher in publishers) await SettleAsync(publisher, topic, 1);
        await Task.WhenAll(publishers.Select(async (publisher, p) =>
        {
            for (var i = 0; i < 60; i++) await publisher.PublishAsync(Message(topic, "c", p * 100 + i));
        }));
        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref done) < 120 && clock.Elapsed < Patience) await Task.Delay(20);
        Assert.True(done >= 120, $"{done} of 120 handled within {Patience}");
        Assert.InRange(peak, 1, limit);
        if (limit > 1 && RunsHandlersConcurrently) Assert.True(peak > 1, "with MaxConcurrency 4 the handlers never overlapped");
    }

    [Fact]
    public async Task Ordering_PerPublisher_WhenPromised()
    {
        var topic = Topic("ordered");
        var node = await NodeAsync();
        var collector = new MessageCollector();
        await SubscribeAsync(node, topic, collector.Handler, o => o.Group = "ordered");
        var publisher = await NodeAsync();
        await SettleAsync(publisher, topic, 1);
        for (var i = 0; i < 300; i++) await publisher.PublishAsync(Message(topic, "o", i));
        await collector.WaitForCountAsync(300, Patience);
        var order = collector.Received.Select(Index).ToList();
        if (publisher.Guarantees.OrderedPerPublisher) Assert.Equal(Enumerable.Range(0, 300), order);
        else Assert.Equal(Enumerable.Range(0, 300), order.Order());
    }

    [Theory]
    [InlineData("")]
    [InlineData("orders placed")]
    [InlineData("orders.*")]
    [InlineData("orders.>")]
    [InlineData(".orders")]
    [InlineData("orders..placed")]
    [InlineData("orders/placed")]
    public async Task IllegalTopic_IsRefused(string topic)
    {
        var node = await NodeAsync();
        var publish = await Assert.ThrowsAsync<MicroException>(async () => await node.PublishAsync(new BrokerMessage(topic, new byte[1])));
        Assert.Equal(400, publish.Code);
        Assert.Equal(TopicName.IllegalError, publish.Id);
        var subscribe = await Assert.ThrowsAsync<MicroException>(() => node.SubscribeAsync(topic, new MessageCollector().Handler, new SubscribeOptions { Group = "g" }));
        Assert.Equal(400, subscribe.Code);
    }

    [Fact]
    public async Task OversizedMessage_IsRefusedWithTheLimit()
    {
        var node = await NodeAsync();
        var error = await Assert.ThrowsAsync<MicroException>(async () => await node.PublishAsync(new BrokerMessage(Topic("big"), new byte[8 * 1024 * 1024])));
        Assert.Equal(413, error.Code);
        Assert.Equal(BrokerErrors.TooLarge, error.Id);
        Assert.Contains("limit", error.Detail);
    }
}

/// <summary>A message type for the typed tests.</summary>
public sealed record OrderPlaced(string Id, int Quantity);

/// <summary>Source-generated JSON for the test messages, as an AOT app would register it.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(OrderPlaced))]
public sealed partial class BrokerTestJson : System.Text.Json.Serialization.JsonSerializerContext
{
    public static CodecRegistry Codecs() => new([new ProtobufCodec(), new JsonCodec([Default])]);
}
