using System.Collections.Concurrent;
using Micro.Client;
using Micro.Errors;
using Micro.Registry;
using Micro.Tests.Shared.Selector;
using Micro.Selector;

namespace Micro.Tests.Rpc;

public class LoadBalancingTests
{
    private static Task<MicroApp> StartEchoNode(TestCluster cluster) =>
        cluster.StartNodeAsync("echo", b => b.Handle<Echo, EchoReply>("Echo.Call", (req, ctx) => new EchoReply(req.Text, "only", req.Seq)));

    private static async Task<TestCluster> ThreeNodes(IRegistry? registry = null, ConcurrentDictionary<string, int>? handled = null)
    {
        var cluster = new TestCluster(registry);
        // Each node answers with its own node id so the test can see who served a call.
        for (var i = 0; i < 3; i++)
        {
            var holder = new NodeIdHolder();
            var app = await cluster.StartNodeAsync("echo", b => b.Handle<Echo, EchoReply>("Echo.Call", (req, ctx) =>
            {
                handled?.AddOrUpdate(holder.Id!, 1, (_, n) => n + 1);
                return new EchoReply(req.Text, holder.Id!, req.Seq);
            }));
            holder.Id = app.Node.Id;
        }
        return cluster;
    }

    private sealed class NodeIdHolder { public string? Id; }

    [Theory]
    [InlineData("random")]
    [InlineData("roundrobin")]
    public async Task Calls_spread_over_three_nodes(string selectorName)
    {
        await using var cluster = await ThreeNodes();
        ISelector selector = selectorName == "random" ? new RandomSelector() : new RoundRobinSelector();
        await using var client = cluster.CreateClient(selector: selector);
        var served = new ConcurrentDictionary<string, int>();
        for (var i = 0; i < 300; i++)
        {
            var reply = await client.CallAsync<Echo, EchoReply>("echo", "Echo.Call", new Echo("hi", i));
            Assert.Equal(i, reply.Seq);
            served.AddOrUpdate(reply.Node, 1, (_, n) => n + 1);
        }
        Assert.Equal(3, served.Count);
        // Random: each node's share of 300 is ~100; below 50 would be a broken selector (p < 1e-9).
        Assert.All(served.Values, n => Assert.True(n >= 50, $"a node served only {n} of 300 calls"));
        Assert.Equal(cluster.Nodes.Select(n => n.Node.Id).Order(), served.Keys.Order());
    }

    [Fact]
    public async Task Stopping_a_node_mid_load_fails_no_call()
    {
        var handled = new ConcurrentDictionary<string, int>();
        await using var cluster = await ThreeNodes(handled: handled);
        await using var client = cluster.CreateClient();
        var victim = cluster.Nodes[0];
        var served = new ConcurrentDictionary<string, int>();
        var completed = 0;
        var stopAfter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int total = 3000;

        async Task Worker()
        {
            while (true)
            {
                var n = Interlocked.Increment(ref completed);
                if (n > total) return;
                if (n == total / 3) stopAfter.TrySetResult();
                var reply = await client.CallAsync<Echo, EchoReply>("echo", "Echo.Call", new Echo("load", n));
                Assert.Equal(n, reply.Seq);
                served.AddOrUpdate(reply.Node, 1, (_, c) => c + 1);
            }
        }

        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(Worker)).ToArray();
        await stopAfter.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await victim.StopAsync(); // returns once its in-flight calls have drained
        var handledByVictimAtStop = handled.GetValueOrDefault(victim.Node.Id);
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(120)); // any failed call throws here

        Assert.Equal(total, served.Values.Sum());
        Assert.Equal(total, handled.Values.Sum());
        Assert.True(handledByVictimAtStop > 0, "the stopped node served nothing before it stopped");
        Assert.Equal(handledByVictimAtStop, handled.GetValueOrDefault(victim.Node.Id));
        Assert.Equal(handledByVictimAtStop, served.GetValueOrDefault(victim.Node.Id));
    }

    [Fact]
    public async Task A_node_killed_without_deregistering_stops_receiving_calls_after_it_fails()
    {
        await using var cluster = await ThreeNodes(new NoDeregisterRegistry(new MemoryRegistry()));
        var selector = new CountingSelector(new RandomSelector());
        await using var client = cluster.CreateClient(selector: selector);
        var dead = cluster.Nodes[1];
        await dead.StopAsync(); // it stays in the registry: a crash, as far as callers can tell
        Assert.Contains((await cluster.Registry.GetServiceAsync("echo")).SelectMany(s => s.Nodes), n => n.Id == dead.Node.Id);

        for (var i = 0; i < 200; i++)
        {
            var reply = await client.CallAsync<Echo, EchoReply>("echo", "Echo.Call", new Echo("x", i));
            Assert.NotEqual(dead.Node.Id, reply.Node);
        }
        // It may be picked once (that is how the client learns it is dead), never again within the quarantine.
        Assert.InRange(selector.Picks(dead.Node.Address), 0, 1);
        Assert.True(client.Health.IsFailed(dead.Node.Address) || selector.Picks(dead.Node.Address) == 0);
    }

    [Fact]
    public async Task Without_retries_a_dead_node_surfaces_as_unavailable()
    {
        await using var cluster = new TestCluster(new NoDeregisterRegistry(new MemoryRegistry()));
        var node = await StartEchoNode(cluster);
        await node.StopAsync();
        await using var client = cluster.CreateClient(new ClientOptions { Retries = 0 });
        var error = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<Echo, EchoReply>("echo", "Echo.Call", new Echo("x")));
        Assert.Equal(ErrorCodes.Unavailable, error.Id);
        Assert.Equal(503, error.Code);
    }

    [Fact]
    public async Task Node_filter_limits_the_candidates()
    {
        await using var cluster = await ThreeNodes();
        await using var client = cluster.CreateClient();
        var only = cluster.Nodes[2].Node.Id;
        for (var i = 0; i < 20; i++)
        {
            var reply = await client.CallAsync<Echo, EchoReply>("echo", "Echo.Call", new Echo("x"), new CallOptions { NodeFilter = n => n.Id == only });
            Assert.Equal(only, reply.Node);
        }
    }
}
