using Micro.Conformance;
using Micro.Conformance.Broker;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Xunit.Abstractions;

namespace Micro.Nats.Tests.Broker;

/// <summary>Nothing lost on JetStream with real processes; the stream goes when the test does (shared server).</summary>
public sealed class NatsJetStreamProcessTests(ITestOutputHelper output) : BrokerProcessSuite(output), IAsyncLifetime
{
    protected override Dictionary<string, string> Environment(string role, string outboxFolder) => new()
    {
        ["MICRO_BROKER"] = "nats",
        ["MICRO_BROKER_ADDRESS"] = TestServers.Nats,
        ["MICRO_BROKER_STREAM_PREFIX"] = "MICROTEST_",
        ["MICRO_REGISTRY"] = "memory",
    };

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = "nats://" + TestServers.Nats });
        try { await new NatsJSContext(connection).DeleteStreamAsync("MICROTEST_" + Topic.Split('.')[0]); }
        catch (NatsJSApiException) { /* never created */ }
    }
}
