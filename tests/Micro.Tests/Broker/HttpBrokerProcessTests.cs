using Micro.Conformance;
using Micro.Conformance.Broker;
using Xunit.Abstractions;

namespace Micro.Tests.Broker;

/// <summary>
/// Nothing lost on the HTTP broker with real processes: subscribers and publishers find each other through the shared
/// etcd (a registry that outlives them), the publisher's outbox is a SQLite file in the test's folder.
/// </summary>
public sealed class HttpBrokerProcessTests(ITestOutputHelper output) : BrokerProcessSuite(output)
{
    protected override Dictionary<string, string> Environment(string role, string outboxFolder) => new()
    {
        ["MICRO_BROKER"] = "http",
        ["MICRO_BROKER_OUTBOX_PATH"] = outboxFolder,
        ["MICRO_REGISTRY"] = "etcd",
        ["MICRO_REGISTRY_ADDRESS"] = TestServers.Etcd,
        // Loopback only: a wildcard listener would advertise this machine's outside address.
        ["MICRO_SERVER_ADDRESS"] = "127.0.0.1:0",
    };
}
