using Micro.Registry;
using Xunit;

namespace Micro.Conformance.Registry;

/// <summary>
/// What every <see cref="IRegistry"/> must do. A backend's test project subclasses it with a factory that
/// returns a registrant (where nodes register) and an observer (a second client of the same registry:
/// the same instance for in-process registries, another connection or peer otherwise).
/// </summary>
public abstract class RegistryConformanceSuite : IAsyncLifetime
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private (IRegistry Registrant, IRegistry Observer) _pair;

    protected abstract Task<(IRegistry Registrant, IRegistry Observer)> CreatePairAsync();

    /// <summary>Make the registrant stop heart-beating as a crashed process would: no deregistration, no goodbye.</summary>
    protected virtual Task CrashAsync(IRegistry registrant) => Task.CompletedTask;

    /// <summary>How long until a change made through the registrant is visible to the observer, at most.</summary>
    protected virtual TimeSpan Propagation => TimeSpan.FromSeconds(5);

    public async Task InitializeAsync() => _pair = await CreatePairAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var registry in new[] { _pair.Registrant, _pair.Observer }.Distinct())
            if (registry is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }

    private IRegistry Registrant => _pair.Registrant;
    private IRegistry Observer => _pair.Observer;
    private string Name(string service) => $"{service}-{_run}";

    private ServiceInfo Service(string name, string version, params string[] nodes) => new()
    {
        Name = Name(name),
        Version = version,
        Metadata = new Dictionary<string, string> { ["team"] = "core", ["region"] = "eu" },
        Endpoints =
        [
            new EndpointInfo { Name = "Greeter.Hello", Request = "greeter.HelloRequest", Response = "greeter.HelloReply", Metadata = new Dictionary<string, string> { ["idempotent"] = "true" } },
            new EndpointInfo { Name = "Greeter.Chat", Request = "greeter.HelloRequest", Response = "greeter.HelloReply", Metadata = new Dictionary<string, string> { ["stream"] = "bidi" } },
        ],
        Nodes = nodes.Select((id, i) => new NodeInfo { Id = $"{id}-{_run}", Address = $"127.0.0.{i + 1}:{9000 + i}", Metadata = new Dictionary<string, string> { ["zone"] = "z" + i } }).ToList(),
    };

    /// <summary>Polls the observer until <paramref name="condition"/> holds (changes travel over a network here).</summary>
    protected async Task<IReadOnlyList<ServiceInfo>> EventuallyAsync(string name, Func<IReadOnlyList<ServiceInfo>, bool> condition, TimeSpan? within = null)
    {
        var until = DateTime.UtcNow + (within ?? Propagation);
        while (true)
        {
            var found = await Observer.GetServiceAsync(name);
            if (condition(found)) return found;
            Assert.True(DateTime.UtcNow < until, $"the observer did not see the expected state of {name} in time; it sees {found.Sum(s => s.Nodes.Count)} node(s)");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Registered_service_round_trips_metadata_endpoints_and_nodes()
    {
        var service = Service("rt", "1.0.0", "n1");
        await Registrant.RegisterAsync(service, new RegisterOptions { Ttl = TimeSpan.FromSeconds(30) });

        var found = Assert.Single(await EventuallyAsync(service.Name, s => s.Count == 1));
        Assert.Equal((service.Name, "1.0.0"), (found.Name, found.Version));
        Assert.Equal("core", found.Metadata["team"]);
        Assert.Equal(["Greeter.Chat", "Greeter.Hello"], found.Endpoints.Select(e => e.Name).Order());
        var hello = found.Endpoints.Single(e => e.Name == "Greeter.Hello");
        Assert.Equal(("greeter.HelloRequest", "greeter.HelloReply", "true"), (hello.Request, hello.Response, hello.Metadata["idempotent"]));
        var node = Assert.Single(found.Nodes);
        Assert.Equal((service.Nodes[0].Id, "127.0.0.1:9000", "z0"), (node.Id, node.Address, node.Metadata["zone"]));
        Assert.Contains(await Observer.ListServicesAsync(), s => s.Name == service.Name);
    }

    [Fact]
    public async Task Several_nodes_and_versions_of_one_service_are_kept_apart()
    {
        await Registrant.RegisterAsync(Service("multi", "1", "a", "b"));
        await Registrant.RegisterAsync(Service("multi", "2", "c"));

        var found = await EventuallyAsync(Name("multi"), s => s.Sum(v => v.Nodes.Count) == 3 && s.Count == 2);
        Assert.Equal(2, found.Single(v => v.Version == "1").Nodes.Count);
        Assert.Equal($"c-{_run}", Assert.Single(found.Single(v => v.Version == "2").Nodes).Id);
    }

    [Fact]
    public async Task Deregistering_removes_nodes_and_the_last_node_takes_the_service()
    {
        var both = Service("dereg", "1", "a", "b");
        await Registrant.RegisterAsync(both);
        await EventuallyAsync(both.Name, s => s.Sum(v => v.Nodes.Count) == 2);

        await Registrant.DeregisterAsync(both with { Nodes = [both.Nodes[0]] });
        var left = await EventuallyAsync(both.Name, s => s.Sum(v => v.Nodes.Count) == 1);
        Assert.Equal(both.Nodes[1].Id, left.Single().Nodes.Single().Id);

        await Registrant.DeregisterAsync(both with { Nodes = [both.Nodes[1]] });
        await EventuallyAsync(both.Name, s => s.Count == 0);
        Assert.DoesNotContain(await Observer.ListServicesAsync(), s => s.Name == both.Name);
    }

    [Fact]
    public async Task Watch_reports_create_update_and_delete()
    {
        var service = Service("watch", "1", "a");
        using var cancel = new CancellationTokenSource(Propagation * 3);
        var events = new List<RegistryEvent>();
        var sawDelete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = Task.Run(async () =>
        {
            var stream = Observer.WatchAsync(service.Name, cancel.Token).GetAsyncEnumerator(cancel.Token);
            var next = stream.MoveNextAsync(); // subscribes
            watching.SetResult();
            while (await next)
            {
                lock (events) events.Add(stream.Current);
                if (stream.Current.Type == RegistryEventType.Delete) { sawDelete.TrySetResult(); break; }
                next = stream.MoveNextAsync();
            }
            await stream.DisposeAsync();
        });
        await watching.Task;
        await Task.Delay(200); // let a remote watch (etcd, mDNS socket) be established before the first change

        await Registrant.RegisterAsync(service);
        await EventuallyAsync(service.Name, s => s.Count == 1);
        await Registrant.RegisterAsync(service with { Metadata = new Dictionary<string, string> { ["team"] = "changed" } });
        await EventuallyAsync(service.Name, s => s.Count == 1 && s[0].Metadata.GetValueOrDefault("team") == "changed");
        await Registrant.DeregisterAsync(service);
        await sawDelete.Task.WaitAsync(Propagation * 2);

        List<RegistryEvent> seen;
        lock (events) seen = [.. events];
        Assert.All(seen, e => Assert.Equal(service.Name, e.Service.Name));
        Assert.Equal(RegistryEventType.Create, seen[0].Type);
        Assert.Contains(seen, e => e.Type == RegistryEventType.Update && e.Service.Metadata.GetValueOrDefault("team") == "changed");
        Assert.Equal(RegistryEventType.Delete, seen[^1].Type);
        Assert.Equal(service.Nodes[0].Id, seen[^1].Service.Nodes.Single().Id);
        cancel.Cancel();
        await watcher;
    }

    [Fact]
    public async Task A_node_that_stops_heart_beating_expires_with_its_ttl()
    {
        var service = Service("ttl", "1", "a");
        await Registrant.RegisterAsync(service, new RegisterOptions { Ttl = TimeSpan.FromSeconds(2) });
        await EventuallyAsync(service.Name, s => s.Count == 1);
        var crashed = DateTime.UtcNow;
        await CrashAsync(Registrant);

        await EventuallyAsync(service.Name, s => s.Count == 0, within: TimeSpan.FromSeconds(2) + Propagation);
        Assert.True(DateTime.UtcNow - crashed >= TimeSpan.FromSeconds(1), "the node disappeared long before its TTL: it was not a TTL expiry");
    }
}
