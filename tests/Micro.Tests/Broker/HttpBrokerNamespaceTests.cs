using System.Diagnostics;
using Micro.Registry;
using Micro.Registry.Mdns;
using Micro.Tests.Registry.Mdns;

namespace Micro.Tests.Broker;

/// <summary>
/// The examples on two "hosts" (network namespaces joined by a veth pair): the billing subscriber on one advertises its
/// subscription over mDNS, the shop publisher on the other finds it with no configuration and delivers to its address.
/// </summary>
public sealed class HttpBrokerNamespaceTests : IDisposable
{
    private readonly NetworkNamespace _a;
    private readonly NetworkNamespace _b;
    private readonly List<Process> _processes = [];
    private readonly string _data = Directory.CreateTempSubdirectory("micro-pubsub-ns-").FullName;

    public HttpBrokerNamespaceTests() => (_a, _b) = NetworkNamespace.CreatePair();

    [Fact]
    public async Task SubscriberOnAnotherHost_FoundThroughMdns_ReceivesEveryOrder()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var observer = _b.Run(() => new MdnsRegistry());
        var advertised = MdnsDiscoveryTests.FirstAsync(observer, "micro.broker.orders.placed", RegistryEventType.Create, cancel.Token);
        var billing = Start(_a, "OrderSubscriber", "");
        var subscription = await advertised;
        var node = subscription.Nodes.Single();
        Assert.StartsWith("10.77.", node.Address); // the subscriber's own listener, reachable from the other host
        Assert.Equal("billing", node.Metadata["group"]);

        var shop = Start(_b, "OrderPublisher", "--count 5");
        var output = await shop.StandardOutput.ReadToEndAsync(cancel.Token);
        await shop.WaitForExitAsync(cancel.Token);
        Assert.Contains("shop: all 5 orders delivered (http broker)", output);
        Assert.Equal(0, shop.ExitCode);

        billing.Kill(entireProcessTree: true);
        var received = (await billing.StandardOutput.ReadToEndAsync(cancel.Token)).Split('\n').Where(l => l.StartsWith("billing: invoice", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, received.Count);
        Assert.All(Enumerable.Range(1, 5), i => Assert.Contains(received, l => l.Contains($"order o-{i} ", StringComparison.Ordinal)));
    }

    /// <summary>Runs a built example inside a namespace, with the user's environment minus Micro settings.</summary>
    private Process Start(NetworkNamespace ns, string name, string arguments)
    {
        var process = Conformance.ChildProcess.StartAsUser("examples", name, arguments,
            new Dictionary<string, string> { ["MICRO_BROKER_OUTBOX_PATH"] = Path.Combine(_data, name) }, ns.Name);
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        Conformance.ChildProcess.KillAll(_processes);
        _a.Dispose();
        _b.Dispose();
        Directory.Delete(_data, recursive: true);
    }
}
