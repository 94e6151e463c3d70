using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Micro.Registry;
using Micro.Registry.Mdns;
using Micro.Registry.Mdns.Protocol;

namespace Micro.Tests.Registry.Mdns;

/// <summary>
/// A process that only calls services (a client app, a test) is an mDNS querier: it finds services and caches them,
/// but has no responder (answers nothing, announces nothing) until it registers a node of its own. Two test-made hosts.
/// </summary>
public sealed class MdnsQuerierOnlyTests : IAsyncLifetime
{
    private readonly NetworkNamespace _a;
    private readonly NetworkNamespace _b;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly IPEndPoint _group = new(MdnsTransport.Group, 5353);
    private MdnsRegistry _server = null!;
    private MdnsRegistry _client = null!;
    private Socket _querier = null!;

    public MdnsQuerierOnlyTests() => (_a, _b) = NetworkNamespace.CreatePair();

    private IPAddress AddressA => IPAddress.Parse(_a.AddressOf("va"));

    public Task InitializeAsync()
    {
        _server = _b.Run(() => new MdnsRegistry());
        _client = _a.Run(() => new MdnsRegistry());
        // A legacy querier on host B (an ephemeral port): responders answer it by unicast at once (RFC 6762 §6.7).
        var b = IPAddress.Parse(_b.AddressOf("vb"));
        _querier = HostilePackets.Socket(_b, b, new IPEndPoint(b, 0));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_client_only_registry_finds_services_but_answers_no_query_until_it_registers()
    {
        var greeter = new ServiceInfo { Name = "greeter-" + _run, Nodes = [new NodeInfo { Id = "greeter-" + _run, Address = "10.77.0.2:7000" }] };
        await _server.RegisterAsync(greeter);

        // The querier half works: the client finds the service and caches it.
        var clock = Stopwatch.StartNew();
        while ((await _client.GetServiceAsync(greeter.Name)).Count == 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the client-only registry did not find the service");
            await Task.Delay(50);
        }
        Assert.Equal(1, _client.CachedNodes);
        Assert.False(_client.Responding, "a registry that registered nothing made a responder");

        // A query on the link reaches the client, which drops it unread and answers nothing.
        var ignoredBefore = Volatile.Read(ref _client.Counters.QueriesIgnored);
        var fromClient = HostilePackets.Collect(_querier, AddressA, TimeSpan.FromSeconds(1.5));
        _querier.SendTo(HostilePackets.Query(id: 7), _group);
        Assert.Empty(await fromClient);
        Assert.True(Volatile.Read(ref _client.Counters.QueriesIgnored) > ignoredBefore, "the query did not reach the client");
        Assert.False(_client.Responding);

        // Registering a node makes it a responder: the same query is now answered, from host A.
        var own = new ServiceInfo { Name = "own-" + _run, Nodes = [new NodeInfo { Id = "own-" + _run, Address = "10.77.0.1:7001" }] };
        await _client.RegisterAsync(own);
        Assert.True(_client.Responding);
        var answered = HostilePackets.Collect(_querier, AddressA, TimeSpan.FromSeconds(3), stopAtFirst: true);
        _querier.SendTo(HostilePackets.Query(id: 8), _group);
        var reply = DnsCodec.Decode(Assert.Single(await answered));
        Assert.Equal(8, reply.Id);
        Assert.Contains(reply.Answers, r => r.Type == DnsType.Ptr && r.Target == LocalInstance.InstanceName(own.Nodes[0].Id));
    }

    public async Task DisposeAsync()
    {
        _querier?.Dispose();
        if (_client is not null) await _client.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
        _a.Dispose();
        _b.Dispose();
    }
}
