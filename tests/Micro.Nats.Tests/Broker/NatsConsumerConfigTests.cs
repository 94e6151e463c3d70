using Micro.Broker;
using Micro.Conformance;
using Micro.Errors;
using Micro.Nats.Broker;
using NATS.Client.JetStream.Models;

namespace Micro.Nats.Tests.Broker;

/// <summary>The consumer settings a JetStream subscription needs are checked against what the server echoes back.</summary>
public sealed class NatsConsumerConfigTests
{
    private static ConsumerConfig Wanted() => new("c")
    {
        FilterSubject = "a.b",
        AckPolicy = ConsumerConfigAckPolicy.Explicit,
        AckWait = TimeSpan.FromSeconds(30),
        MaxDeliver = 6,
        InactiveThreshold = TimeSpan.FromMinutes(2),
    };

    [Fact]
    public void ASettingTheServerDropped_IsRefused_NamingIt()
    {
        var got = Wanted();
        got.MaxDeliver = -1;
        got.InactiveThreshold = TimeSpan.Zero;
        var error = Assert.Throws<MicroException>(() => NatsJetStreamBroker.RefuseDropped(Wanted(), got, "2.9.10"));
        Assert.Equal(BrokerErrors.Unsupported, error.Id);
        Assert.Contains("MaxDeliver", error.Detail);
        Assert.Contains("InactiveThreshold", error.Detail);
        Assert.Contains("2.9.10", error.Detail);
    }

    [Fact]
    public void FilterSubjects_WhichA29ServerIgnores_AreRefused()
    {
        var wanted = Wanted();
        wanted.FilterSubjects = ["a.b", "a.c"];
        var got = Wanted(); // what 2.9 answers: the list silently gone
        var error = Assert.Throws<MicroException>(() => NatsJetStreamBroker.RefuseDropped(wanted, got, "2.9.10"));
        Assert.Contains("FilterSubjects", error.Detail);
    }

    [Fact]
    public void AnEchoedConfig_IsAccepted() => NatsJetStreamBroker.RefuseDropped(Wanted(), Wanted(), "2.9.10");

    [Fact]
    public void ConsumerNames_OfDistinctGroupAndTopicPairs_NeverCollide()
    {
        Assert.NotEqual(NatsJetStreamBroker.ConsumerName("a.b", "c"), NatsJetStreamBroker.ConsumerName("a", "b.c"));
        Assert.DoesNotContain('.', NatsJetStreamBroker.ConsumerName("billing", "orders.placed"));
    }

    [Fact]
    public async Task TheRealServer_EchoesEverySettingASubscriptionNeeds()
    {
        // Subscribing runs the check against the shared 2.9 server: it must pass for the settings Micro uses.
        await using var broker = new NatsJetStreamBroker(new BrokerOptions { Address = TestServers.Nats, StreamPrefix = "MICROTEST_" });
        var topic = "cfg" + Guid.NewGuid().ToString("N")[..8] + ".x";
        await using (await broker.SubscribeAsync(topic, (_, _) => ValueTask.FromResult(DeliveryOutcome.Ack), new SubscribeOptions { Broadcast = true })) { }
        await using var connection = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = "nats://" + TestServers.Nats });
        await new NATS.Client.JetStream.NatsJSContext(connection).DeleteStreamAsync(broker.StreamOf(topic));
    }

    [Fact]
    public async Task AServerThatIsDown_IsA503ThatNamesIt()
    {
        await using var broker = new NatsJetStreamBroker(new BrokerOptions { Address = "127.0.0.1:9" });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<MicroException>(async () => await broker.PublishAsync(new BrokerMessage("a.b", new byte[1]), timeout.Token));
        Assert.Equal(503, error.Code);
        Assert.Contains("127.0.0.1:9", error.Detail);
    }
}
