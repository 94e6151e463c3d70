using Micro.Registry;
using Micro.Registry.Mdns;
using Micro.Registry.Mdns.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Micro.Tests.Registry.Mdns;

public sealed class MdnsCacheTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<(RegistryEventType Type, ServiceInfo Service)> _events = [];

    private MdnsCache Cache(RegistryOptions? options = null) => new(options ?? new RegistryOptions(), _time, (t, s) => _events.Add((t, s)));

    private static IReadOnlyList<byte[]> Text(string service, string node) =>
        MdnsServiceText.Encode(new ServiceInfo { Name = service, Nodes = [new NodeInfo { Id = node, Address = "10.0.0.1:1" }] });

    [Fact]
    public void Beyond_the_total_bound_the_least_recently_refreshed_node_is_evicted()
    {
        var cache = Cache(new RegistryOptions { MaxCachedNodes = 3 });
        for (var i = 0; i < 3; i++) cache.Learn($"n{i}._micro._tcp.local", Text("s" + i, "n" + i), 120);
        cache.Learn("n0._micro._tcp.local", Text("s0", "n0"), 120); // refreshed: n1 is now the oldest
        cache.Learn("n3._micro._tcp.local", Text("s3", "n3"), 120);
        Assert.Equal(3, cache.Count);
        Assert.Equal(["n0", "n2", "n3"], cache.Services(null).Select(s => s.Nodes[0].Id).Order());
        Assert.Contains(_events, e => e.Type == RegistryEventType.Delete && e.Service.Nodes[0].Id == "n1");
    }

    [Fact]
    public void Beyond_the_per_service_bound_new_nodes_are_ignored()
    {
        var cache = Cache(new RegistryOptions { MaxNodesPerService = 2 });
        for (var i = 0; i < 5; i++) cache.Learn($"n{i}._micro._tcp.local", Text("flooded", "n" + i), 120);
        cache.Learn("other._micro._tcp.local", Text("other", "o"), 120);
        Assert.Equal(2, cache.Services("flooded").Count());
        Assert.Single(cache.Services("other"));
    }

    [Fact]
    public void Received_ttls_are_capped()
    {
        var cache = Cache(new RegistryOptions { MaxRecordTtl = TimeSpan.FromSeconds(60) });
        cache.Learn("n0._micro._tcp.local", Text("s", "n0"), uint.MaxValue);
        _time.Advance(TimeSpan.FromSeconds(61));
        cache.Sweep();
        Assert.Empty(cache.Services(null));
    }

    [Fact]
    public void A_repeated_announcement_is_not_decoded_again()
    {
        var cache = Cache();
        var text = Text("s", "n0");
        for (var i = 0; i < 100; i++) cache.Learn("n0._micro._tcp.local", text.Select(t => t.ToArray()).ToList(), 120);
        Assert.Equal(1, cache.Decodes);
        Assert.Single(_events);
    }

    [Fact]
    public void A_goodbye_takes_effect_after_the_grace_unless_the_node_announces_again()
    {
        var cache = Cache(new RegistryOptions { GoodbyeGrace = TimeSpan.FromMilliseconds(250) });
        cache.Learn("n0._micro._tcp.local", Text("s", "n0"), 120);
        cache.Learn("n1._micro._tcp.local", Text("s", "n1"), 120);
        cache.Goodbye("n0._micro._tcp.local");
        cache.Goodbye("n1._micro._tcp.local");
        cache.Learn("n1._micro._tcp.local", Text("s", "n1"), 120); // the node defends itself
        _time.Advance(TimeSpan.FromMilliseconds(300));
        cache.Sweep();
        Assert.Equal(["n1"], cache.Services(null).Select(s => s.Nodes[0].Id));
    }
}
