using Micro.Client.Internal;
using Micro.Registry;
using Microsoft.Extensions.Time.Testing;

namespace Micro.Tests.Registry;

/// <summary>The client's registry cache applies watch events as changes instead of refetching.</summary>
public sealed class RegistryCacheTests
{
    private sealed class CountingRegistry(MemoryRegistry inner) : IRegistry
    {
        public int Lookups;
        public string Name => inner.Name;
        public Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default) => inner.RegisterAsync(service, options, cancellationToken);
        public Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default) => inner.DeregisterAsync(service, cancellationToken);
        public Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Lookups);
            return inner.GetServiceAsync(name, cancellationToken);
        }
        public Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default) => inner.ListServicesAsync(cancellationToken);
        public IAsyncEnumerable<RegistryEvent> WatchAsync(string? service = null, CancellationToken cancellationToken = default) => inner.WatchAsync(service, cancellationToken);
    }

    private static ServiceInfo Service(string version, params string[] nodes) => new()
    {
        Name = "greeter",
        Version = version,
        Endpoints = [new EndpointInfo { Name = "Greeter.Hello" }],
        Nodes = nodes.Select(n => new NodeInfo { Id = n, Address = n + ":1" }).ToList(),
    };

    [Fact]
    public async Task Watch_events_change_the_cached_nodes_without_a_new_lookup()
    {
        var time = new FakeTimeProvider();
        var registry = new CountingRegistry(new MemoryRegistry(time));
        await registry.RegisterAsync(Service("v1", "a", "b"));
        await using var cache = new RegistryCache(registry, TimeSpan.FromMinutes(5), time);
        Assert.Equal(["a", "b"], (await cache.GetAsync("greeter", default)).Nodes.Select(n => n.Id).Order());

        cache.Apply(new RegistryEvent(RegistryEventType.Create, Service("v2", "c"), time.GetUtcNow()));
        cache.Apply(new RegistryEvent(RegistryEventType.Delete, Service("v1", "a"), time.GetUtcNow()));
        cache.Apply(new RegistryEvent(RegistryEventType.Update, Service("v1", "b") with { Nodes = [new NodeInfo { Id = "b", Address = "b:2" }] }, time.GetUtcNow()));
        var entry = await cache.GetAsync("greeter", default);
        Assert.Equal(["b:2", "c:1"], entry.Nodes.Select(n => n.Address).Order());
        Assert.Equal(1, registry.Lookups);

        // The last node gone: the entry goes, and the next call asks the registry again.
        cache.Apply(new RegistryEvent(RegistryEventType.Delete, Service("v1", "b"), time.GetUtcNow()));
        cache.Apply(new RegistryEvent(RegistryEventType.Delete, Service("v2", "c"), time.GetUtcNow()));
        await cache.GetAsync("greeter", default);
        Assert.Equal(2, registry.Lookups);
    }
}
