using Micro.Broker;
using Micro.Conformance.Broker;
using Micro.Registry;

namespace Micro.Tests.Broker;

/// <summary>The broker conformance suite on the HTTP broker: each node its own listener, found through one registry.</summary>
public sealed class HttpBrokerConformanceTests : BrokerConformanceSuite
{
    private readonly MemoryRegistry _registry = new();

    protected override async Task<IBroker> CreateNodeAsync()
    {
        var node = await HttpBrokerNode.StartAsync(_registry);
        return new OwnedBroker(node);
    }

    protected override async Task SettleAsync(IBroker publisher, string topic, int subscriptions)
    {
        // The registry is in-process: registration is visible at once; nothing to wait for.
        var nodes = await _registry.GetServiceAsync("micro.broker." + topic);
        Assert.Equal(subscriptions, nodes.SelectMany(s => s.Nodes).Count());
    }

    /// <summary>The suite disposes brokers; disposing this one stops its listener too.</summary>
    private sealed class OwnedBroker(HttpBrokerNode node) : IBroker
    {
        public string Name => node.Broker.Name;
        public BrokerGuarantees Guarantees => node.Broker.Guarantees;
        public BrokerCounters Counters => node.Broker.Counters;
        public Task ConnectAsync(CancellationToken cancellationToken = default) => node.Broker.ConnectAsync(cancellationToken);
        public ValueTask PublishAsync(BrokerMessage message, CancellationToken cancellationToken = default) => node.Broker.PublishAsync(message, cancellationToken);
        public Task<ISubscription> SubscribeAsync(string topic, BrokerHandler handler, SubscribeOptions options, CancellationToken cancellationToken = default) =>
            node.Broker.SubscribeAsync(topic, handler, options, cancellationToken);
        public ValueTask DisposeAsync() => node.DisposeAsync();
    }
}
