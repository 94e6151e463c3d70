using System.Collections.Concurrent;
using Micro.Client;
using Micro.Registry;
using Micro.Tests.Shared.Selector;
using Micro.Selector;
using Micro.Tests.Rpc;
using Microsoft.Extensions.Time.Testing;

namespace Micro.Tests.Selector;

public class PowerOfTwoChoicesTests
{
    private static readonly NodeInfo[] Nodes = [new() { Id = "a", Address = "a:1" }, new() { Id = "b", Address = "b:1" }, new() { Id = "c", Address = "c:1" }];

    [Fact]
    public void A_node_reported_slow_gets_few_calls_and_calls_in_flight_are_counted()
    {
        var time = new FakeTimeProvider();
        var selector = new PowerOfTwoChoicesSelector(time);
        var picks = new Dictionary<string, int>();
        for (var i = 0; i < 3000; i++)
        {
            var node = selector.Select("svc", Nodes);
            picks[node.Id] = picks.GetValueOrDefault(node.Id) + 1;
            Assert.Equal(1, selector.InFlight(node.Address));
            selector.Report("svc", node, CallOutcome.Success, TimeSpan.FromMilliseconds(node.Id == "c" ? 20 : 2));
            Assert.Equal(0, selector.InFlight(node.Address));
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.True(picks.GetValueOrDefault("c") < 300, $"the slow node got {picks.GetValueOrDefault("c")} of 3000 calls");
        // Never starved for ever: an idle slow node's cost fades and it is probed again.
        Assert.True(picks.GetValueOrDefault("c") > 0);
    }

    [Fact]
    public void A_failed_node_is_avoided_then_tried_again_as_its_penalty_fades()
    {
        var time = new FakeTimeProvider();
        var selector = new PowerOfTwoChoicesSelector(time);
        foreach (var node in Nodes)
        {
            Assert.Same(node, selector.Select("svc", [node]));
            selector.Report("svc", node, node.Id == "a" ? CallOutcome.NodeFailure : CallOutcome.Success, TimeSpan.FromMilliseconds(1));
        }
        int PicksOfA(int calls)
        {
            var count = 0;
            for (var i = 0; i < calls; i++)
            {
                var node = selector.Select("svc", Nodes);
                if (node.Id == "a") count++;
                selector.Report("svc", node, CallOutcome.Success, TimeSpan.FromMilliseconds(1));
            }
            return count;
        }
        Assert.Equal(0, PicksOfA(200));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(PicksOfA(200) > 0);
    }

    [Theory]
    [InlineData("random", 0.20, 0.45)]
    [InlineData("p2c", 0.0, 0.10)]
    public async Task With_one_node_ten_times_slower_p2c_sends_it_few_calls_and_random_a_third(string name, double low, double high)
    {
        await using var cluster = new TestCluster();
        var slowAddress = "";
        for (var i = 0; i < 3; i++)
        {
            var delay = TimeSpan.FromMilliseconds(i == 2 ? 20 : 2);
            var app = await cluster.StartNodeAsync("lb", b => b.Handle<Echo, EchoReply>("Lb.Get", async (req, ctx) =>
            {
                await Task.Delay(delay, ctx.CancellationToken);
                return new EchoReply("ok", "");
            }));
            if (i == 2) slowAddress = app.Address;
        }
        ISelector selector = name == "p2c" ? new PowerOfTwoChoicesSelector() : new RandomSelector();
        var counting = new CountingSelector(selector);
        await using var client = cluster.CreateClient(selector: counting);
        var next = 0;
        async Task Worker(int calls)
        {
            while (Interlocked.Increment(ref next) <= calls)
                await client.CallAsync<Echo, EchoReply>("lb", "Lb.Get", new Echo("x"));
        }
        // 8 callers: enough to load the nodes, not so many that the fast ones queue up to the slow one's latency.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Worker(150)))).WaitAsync(TimeSpan.FromSeconds(60)); // warm-up, not counted
        counting.Reset();
        next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Worker(1500)))).WaitAsync(TimeSpan.FromSeconds(120));
        var share = counting.Picks(slowAddress) / (double)counting.Total;
        Assert.InRange(share, low, high);
    }
}
