using Micro.Registry;
using Micro.Selector;
using Microsoft.Extensions.Time.Testing;

namespace Micro.Tests.Selector;

public class SelectorTests
{
    private static readonly NodeInfo[] Nodes = [new() { Id = "a", Address = "a:1" }, new() { Id = "b", Address = "b:1" }, new() { Id = "c", Address = "c:1" }];

    [Fact]
    public void Round_robin_visits_every_node_in_turn()
    {
        var selector = new RoundRobinSelector();
        var picks = Enumerable.Range(0, 9).Select(_ => selector.Select("svc", Nodes).Id).ToList();
        Assert.Equal(["a", "b", "c", "a", "b", "c", "a", "b", "c"], picks);
    }

    [Fact]
    public void Failed_nodes_are_quarantined_for_a_while()
    {
        var time = new FakeTimeProvider();
        var health = new NodeHealth(time) { Quarantine = TimeSpan.FromSeconds(10) };
        health.MarkFailed("a");
        Assert.True(health.IsFailed("a"));
        Assert.False(health.IsFailed("b"));
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.False(health.IsFailed("a"));
    }
}
