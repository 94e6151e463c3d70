using System.Threading.Channels;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Micro.Conformance;
using Micro.Etcd.Registry;
using Micro.Registry;
using Micro.Tests.Shared;

namespace Micro.Etcd.Tests.Registry;

/// <summary>
/// Heartbeats as lease keep-alives (shared etcd, a prefix of our own), and watches that survive etcd being
/// killed and restarted, a network partition and compaction (a private etcd and a TCP proxy the test cuts).
/// </summary>
public sealed class EtcdRegistryRecoveryTests
{
    private readonly string _prefix = $"/micro-test-{Guid.NewGuid():N}/";

    private static ServiceInfo Service(string node, string zone = "a") => new()
    {
        Name = "greeter",
        Nodes = [new NodeInfo { Id = node, Address = "10.0.0.1:1", Metadata = new Dictionary<string, string> { ["zone"] = zone } }],
    };

    private string Key(string node) => _prefix.TrimEnd('/') + "/registry/greeter/" + node;

    [Fact]
    public async Task A_heartbeat_is_one_keep_alive_and_the_key_is_written_again_only_when_the_record_changes()
    {
        using var raw = new EtcdClient("http://" + TestServers.Etcd);
        await using var registry = new EtcdRegistry(new RegistryOptions { Address = TestServers.Etcd, Prefix = _prefix });
        var ttl = new RegisterOptions { Ttl = TimeSpan.FromSeconds(30) };
        try
        {
            await registry.RegisterAsync(Service("n1"), ttl);
            var first = (await raw.GetAsync(Key("n1"))).Kvs.Single();

            var before = registry.Requests;
            for (var i = 0; i < 5; i++) await registry.RegisterAsync(Service("n1"), ttl);
            Assert.Equal(5, registry.Requests - before); // one keep-alive per heartbeat; before: grant + put + revoke
            var same = (await raw.GetAsync(Key("n1"))).Kvs.Single();
            Assert.Equal(first.ModRevision, same.ModRevision);
            Assert.Equal(first.Lease, same.Lease);

            await registry.RegisterAsync(Service("n1", zone: "b"), ttl);
            var changed = (await raw.GetAsync(Key("n1"))).Kvs.Single();
            Assert.True(changed.ModRevision > first.ModRevision);
            Assert.Equal(first.Lease, changed.Lease);

            // The lease vanished (it expired during an outage, or an operator revoked it): the next heartbeat registers afresh.
            await raw.LeaseRevokeAsync(new LeaseRevokeRequest { ID = first.Lease });
            Assert.Empty((await raw.GetAsync(Key("n1"))).Kvs);
            await registry.RegisterAsync(Service("n1", zone: "b"), ttl);
            var again = (await raw.GetAsync(Key("n1"))).Kvs.Single();
            Assert.NotEqual(first.Lease, again.Lease);
        }
        finally
        {
            await raw.DeleteRangeAsync(_prefix);
        }
    }

    [Fact]
    public async Task Watchers_and_registrants_recover_when_etcd_is_killed_and_restarted()
    {
        await using var etcd = await PrivateEtcd.StartAsync();
        await using var registrant = new EtcdRegistry(new RegistryOptions { Address = etcd.Address, Prefix = _prefix });
        await using var observer = new EtcdRegistry(new RegistryOptions { Address = etcd.Address, Prefix = _prefix });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var events = Collect(observer, cancel.Token);
        await Task.Delay(200); // the watch is being set up: nothing to await from outside

        await registrant.RegisterAsync(Service("n1"));
        await NextAsync(events, RegistryEventType.Create, "n1", cancel.Token);

        etcd.Kill();
        await Assert.ThrowsAnyAsync<Exception>(() => registrant.RegisterAsync(Service("n1"), cancellationToken: new CancellationTokenSource(TimeSpan.FromSeconds(3)).Token));
        await etcd.RestartAsync();

        // The registrant's heartbeat works again (its lease survived the restart), the watch sees new registrations.
        await registrant.RegisterAsync(Service("n1"), cancellationToken: cancel.Token);
        await registrant.RegisterAsync(Service("n2"), cancellationToken: cancel.Token);
        await NextAsync(events, RegistryEventType.Create, "n2", cancel.Token);
        Assert.Equal(["n1", "n2"], (await observer.GetServiceAsync("greeter", cancel.Token)).SelectMany(s => s.Nodes).Select(n => n.Id).Order());
    }

    [Fact]
    public async Task A_watch_cut_off_past_a_compaction_relists_and_reports_each_change_once()
    {
        await using var etcd = await PrivateEtcd.StartAsync();
        await using var proxy = new TcpProxy(etcd.Port);
        using var raw = new EtcdClient("http://" + etcd.Address);
        await using var registrant = new EtcdRegistry(new RegistryOptions { Address = etcd.Address, Prefix = _prefix });
        await using var observer = new EtcdRegistry(new RegistryOptions { Address = proxy.Address, Prefix = _prefix });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await registrant.RegisterAsync(Service("kept"));
        await registrant.RegisterAsync(Service("leaving"));
        var events = Collect(observer, cancel.Token);
        await Task.Delay(200);
        await registrant.RegisterAsync(Service("kept", zone: "b"));
        await NextAsync(events, RegistryEventType.Update, "kept", cancel.Token);

        // Partition the observer; meanwhile nodes come, change and go, and etcd compacts its history.
        proxy.Cut();
        await registrant.RegisterAsync(Service("joined"));
        await registrant.RegisterAsync(Service("brief"));
        await registrant.DeregisterAsync(Service("brief"));
        await registrant.DeregisterAsync(Service("leaving"));
        await registrant.RegisterAsync(Service("kept", zone: "c"));
        var revision = (await raw.GetAsync(Key("kept"))).Header.Revision;
        await raw.CompactAsync(new CompactionRequest { Revision = revision, Physical = true });
        proxy.Restore();

        // After the re-list: one event per net change, nothing about the node that came and went unseen.
        var seen = new List<(RegistryEventType, string)>();
        while (seen.Count < 3)
        {
            var change = await events.ReadAsync(cancel.Token);
            seen.Add((change.Type, change.Service.Nodes.Single().Id));
        }
        Assert.Equal(
            [(RegistryEventType.Create, "joined"), (RegistryEventType.Update, "kept"), (RegistryEventType.Delete, "leaving")],
            seen.OrderBy(e => e.Item2, StringComparer.Ordinal).ToList());

        // And the watch is live again: a new node is reported once.
        await registrant.RegisterAsync(Service("later"));
        var next = await events.ReadAsync(cancel.Token);
        Assert.Equal((RegistryEventType.Create, "later"), (next.Type, next.Service.Nodes.Single().Id));
        Assert.False(events.TryRead(out var extra), $"an extra event: {extra?.Type} {extra?.Service.Nodes.Single().Id}");
    }

    private static ChannelReader<RegistryEvent> Collect(IRegistry registry, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<RegistryEvent>();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in registry.WatchAsync("greeter", cancellationToken)) channel.Writer.TryWrite(change);
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        return channel.Reader;
    }

    private static async Task NextAsync(ChannelReader<RegistryEvent> events, RegistryEventType type, string node, CancellationToken cancellationToken)
    {
        while (true)
        {
            var change = await events.ReadAsync(cancellationToken);
            if (change.Type == type && change.Service.Nodes.Single().Id == node) return;
        }
    }
}
