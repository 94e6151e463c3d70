using Micro.Broker;
using Micro.Conformance;
using Micro.Conformance.Broker;
using Micro.Nats.Broker;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Micro.Nats.Tests.Broker;

/// <summary>The broker conformance suite on JetStream (the shared server); each node its own connection, streams per run.</summary>
public sealed class NatsJetStreamConformanceTests : BrokerConformanceSuite
{
    protected override Task<IBroker> CreateNodeAsync() =>
        Task.FromResult<IBroker>(new NatsJetStreamBroker(new BrokerOptions { Address = TestServers.Nats, StreamPrefix = "MICROTEST_" }));

    protected override async Task DropAsync(string run)
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = "nats://" + TestServers.Nats });
        try { await new NatsJSContext(connection).DeleteStreamAsync("MICROTEST_" + run); }
        catch (NatsJSApiException) { /* the test made no stream */ }
    }
}

/// <summary>The suite on core NATS: at-most-once, but the same groups, broadcast, retries and dead letters while connected.</summary>
public sealed class NatsCoreConformanceTests : BrokerConformanceSuite
{
    protected override Task<IBroker> CreateNodeAsync() =>
        Task.FromResult<IBroker>(new NatsCoreBroker(new BrokerOptions { Address = TestServers.Nats }));

    /// <summary>Core NATS hands a subscription its messages one at a time (the bound holds; nothing runs side by side).</summary>
    protected override bool RunsHandlersConcurrently => false;
}
