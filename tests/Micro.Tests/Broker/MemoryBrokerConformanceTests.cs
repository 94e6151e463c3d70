using Micro.Broker;
using Micro.Conformance.Broker;

namespace Micro.Tests.Broker;

/// <summary>The broker conformance suite on the in-process broker: every node is the same broker.</summary>
public sealed class MemoryBrokerConformanceTests : BrokerConformanceSuite
{
    private readonly MemoryBroker _broker = new();

    protected override Task<IBroker> CreateNodeAsync() => Task.FromResult<IBroker>(_broker);
}
