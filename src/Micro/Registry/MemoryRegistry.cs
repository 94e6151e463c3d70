using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Micro.Registry;

/// <summary>
/// In-process registry: shared by every service and client in one process. For tests and
/// single-process demos; nodes expire after their TTL unless re-registered.
/// </summary>
public sealed class MemoryRegistry : IRegistry
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    // name -> version -> (service without nodes, node id -> (node, expiry))
    private readonly Dictionary<string, Dictionary<string, Entry>> _services = new(StringComparer.Ordinal);
    private readonly List<Channel<RegistryEvent>> _watchers = [];

    /// <summary>An empty registry; <paramref name="time"/> drives TTL expiry (tests pass a fake clock).</summary>
    public MemoryRegistry(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <inheritdoc/>
    public string Name => "memory";

    /// <inheritdoc/>
    public Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(service.Name);
        var expiry = _time.GetUtcNow() + (options ?? new RegisterOptions()).Ttl;
        lock (_gate)
        {
            Expire();
            if (!_services.TryGetValue(service.Name, out var versions))
                _services[service.Name] = versions = new(StringComparer.Ordinal);
            var created = !versions.TryGetValue(service.Version, out var entry);
            if (created)
                versions[service.Version] = entry = new Entry(service with { Nodes = [] });
            else
                entry!.Service = service with { Nodes = [] };
            foreach (var node in service.Nodes)
            {
                var isNew = !entry!.Nodes.ContainsKey(node.Id);
                entry.Nodes[node.Id] = (node, expiry);
                if (isNew) created = true;
            }
            Publish(created ? RegistryEventType.Create : RegistryEventType.Update, service);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_gate)
        {
            if (_services.TryGetValue(service.Name, out var versions) && versions.TryGetValue(service.Version, out var entry))
            {
                var removed = service.Nodes.Where(n => entry.Nodes.Remove(n.Id)).ToList();
                if (entry.Nodes.Count == 0) versions.Remove(service.Version);
                if (versions.Count == 0) _services.Remove(service.Name);
                if (removed.Count > 0) Publish(RegistryEventType.Delete, entry.Service with { Nodes = removed });
            }
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Expire();
            IReadOnlyList<ServiceInfo> result = _services.TryGetValue(name, out var versions)
                ? versions.Values.Select(e => e.Snapshot()).ToList()
                : [];
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Expire();
            IReadOnlyList<ServiceInfo> result = _services.Values.SelectMany(v => v.Values).Select(e => e.Snapshot()).ToList();
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<RegistryEvent> WatchAsync(string? service = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<RegistryEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate) _watchers.Add(channel);
        // Expiry is lazy; a watcher still wants to hear about nodes that silently died.
        using var sweep = new Timer(_ => { lock (_gate) Expire(); }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        try
        {
            await foreach (var evt in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (service is null || evt.Service.Name == service)
                    yield return evt;
            }
        }
        finally
        {
            lock (_gate) _watchers.Remove(channel);
        }
    }

    // Caller holds _gate.
    private void Expire()
    {
        var now = _time.GetUtcNow();
        List<string>? emptyNames = null;
        foreach (var (name, versions) in _services)
        {
            List<string>? emptyVersions = null;
            foreach (var (version, entry) in versions)
            {
                var dead = entry.Nodes.Where(kv => kv.Value.Expiry <= now).Select(kv => kv.Value.Node).ToList();
                if (dead.Count == 0) continue;
                foreach (var node in dead) entry.Nodes.Remove(node.Id);
                Publish(RegistryEventType.Delete, entry.Service with { Nodes = dead });
                if (entry.Nodes.Count == 0) (emptyVersions ??= []).Add(version);
            }
            if (emptyVersions is null) continue;
            foreach (var v in emptyVersions) versions.Remove(v);
            if (versions.Count == 0) (emptyNames ??= []).Add(name);
        }
        if (emptyNames is not null)
            foreach (var n in emptyNames) _services.Remove(n);
    }

    private void Publish(RegistryEventType type, ServiceInfo service)
    {
        var evt = new RegistryEvent(type, service, _time.GetUtcNow());
        foreach (var w in _watchers) w.Writer.TryWrite(evt);
    }

    private sealed class Entry(ServiceInfo service)
    {
        public ServiceInfo Service { get; set; } = service;
        public Dictionary<string, (NodeInfo Node, DateTimeOffset Expiry)> Nodes { get; } = new(StringComparer.Ordinal);
        public ServiceInfo Snapshot() => Service with { Nodes = Nodes.Values.Select(n => n.Node).ToList() };
    }
}
