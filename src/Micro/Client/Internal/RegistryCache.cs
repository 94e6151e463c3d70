using System.Collections.Concurrent;
using System.Collections.Frozen;
using Micro.Internal;
using Micro.Registry;

namespace Micro.Client.Internal;

/// <summary>
/// The client's view of the registry: answers from memory, applies watch events to the cached entry as
/// changes (a node added, updated or removed; no refetch), refetches when the entry is older than the cache
/// TTL or has lost its last node. Unknown services are not cached, so a service that starts later is found
/// on the next call.
/// </summary>
internal sealed class RegistryCache(IRegistry registry, TimeSpan ttl, TimeProvider time) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, CachedService> _entries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private long _generation;
    private Task? _watch;

    /// <summary>The service as cached, or as the registry answers when the cache has nothing fresh (not async when cached: every call asks).</summary>
    public ValueTask<CachedService> GetAsync(string service, CancellationToken cancellationToken)
    {
        if (_watch is null) StartWatch();
        var now = CoarseClock.Milliseconds(time);
        if (_entries.TryGetValue(service, out var cached) && now < cached.ExpiresAt) return new(cached);
        return FetchAsync(service, now, cancellationToken);
    }

    private async ValueTask<CachedService> FetchAsync(string service, long now, CancellationToken cancellationToken)
    {
        var generation = Volatile.Read(ref _generation);
        var versions = await registry.GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var entry = CachedService.From(versions, now + CoarseClock.Of(ttl));
        // Only keep the answer if no change was announced while we were asking.
        if (entry.Nodes.Count > 0 && generation == Volatile.Read(ref _generation)) _entries[service] = entry;
        return entry;
    }

    /// <summary>Nodes per service the client currently knows (the <c>micro.registry.nodes</c> gauge).</summary>
    public IEnumerable<KeyValuePair<string, int>> NodeCounts() =>
        _entries.Select(e => new KeyValuePair<string, int>(e.Key, e.Value.Nodes.Count));

    /// <summary>Told of every registry change the cache acts on (telemetry logs them).</summary>
    public Action<RegistryEvent>? Changed { get; set; }

    /// <summary>Forget what we know about a service (e.g. every node failed).</summary>
    public void Invalidate(string service)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(service, out _);
    }

    /// <summary>Applies one change to the cached entry, if there is one; a fetch in flight is discarded (it may predate the change).</summary>
    internal void Apply(RegistryEvent change)
    {
        var name = change.Service.Name;
        Interlocked.Increment(ref _generation);
        while (_entries.TryGetValue(name, out var cached))
        {
            var updated = cached.Apply(change);
            if (updated.Nodes.Count == 0)
            {
                _entries.TryRemove(new KeyValuePair<string, CachedService>(name, cached));
                return;
            }
            if (_entries.TryUpdate(name, updated, cached)) return;
        }
    }

    private void StartWatch()
    {
        lock (_entries)
        {
            _watch ??= Task.Run(() => WatchAsync(_stop.Token));
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in registry.WatchAsync(null, cancellationToken).ConfigureAwait(false))
                {
                    Apply(change);
                    Changed?.Invoke(change);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The watch broke (registry restarting, network): forget everything, then watch again.
                Interlocked.Increment(ref _generation);
                _entries.Clear();
                try { await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_watch is not null)
        {
            try { await _watch.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
        _stop.Dispose();
    }
}

/// <summary>The nodes of every version of a service, and the endpoints they declared.</summary>
internal sealed class CachedService
{
    private readonly IReadOnlyList<ServiceInfo> _versions;

    private CachedService(IReadOnlyList<ServiceInfo> versions, IReadOnlyList<NodeInfo> nodes, FrozenSet<string>? endpoints, FrozenSet<string> idempotent, long expiresAt)
    {
        _versions = versions;
        Nodes = nodes;
        Endpoints = endpoints;
        Idempotent = idempotent;
        ExpiresAt = expiresAt;
    }

    public IReadOnlyList<NodeInfo> Nodes { get; }

    /// <summary>Null when the registry did not list endpoints (then the server decides).</summary>
    public FrozenSet<string>? Endpoints { get; }

    /// <summary>Endpoints that every version publishing them marked idempotent (safe to retry after a failure in mid-call).</summary>
    public FrozenSet<string> Idempotent { get; }

    public long ExpiresAt { get; }

    public static CachedService From(IReadOnlyList<ServiceInfo> versions, long expiresAt)
    {
        var nodes = versions.SelectMany(v => v.Nodes).DistinctBy(n => n.Id).ToList();
        var all = versions.SelectMany(v => v.Endpoints).ToList();
        var endpoints = all.Select(e => e.Name).ToFrozenSet(StringComparer.Ordinal);
        // One version that does not say so is enough to make retries after a mid-call failure unsafe.
        var idempotent = all.GroupBy(e => e.Name, StringComparer.Ordinal)
            .Where(g => g.All(e => e.Metadata.TryGetValue(Server.EndpointMetadata.Idempotent, out var v) && v == "true"))
            .Select(g => g.Key).ToFrozenSet(StringComparer.Ordinal);
        return new CachedService(versions, nodes, endpoints.Count == 0 ? null : endpoints, idempotent, expiresAt);
    }

    /// <summary>This entry with one registry change applied (same expiry): the event's nodes added, replaced or removed.</summary>
    public CachedService Apply(RegistryEvent change)
    {
        var ids = change.Service.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var versions = new List<ServiceInfo>();
        var found = false;
        foreach (var version in _versions)
        {
            var kept = version.Nodes.Where(n => !ids.Contains(n.Id)).ToList();
            if (change.Type != RegistryEventType.Delete && string.Equals(version.Version, change.Service.Version, StringComparison.Ordinal))
            {
                found = true;
                versions.Add(change.Service with { Nodes = [.. kept, .. change.Service.Nodes] });
            }
            else if (kept.Count > 0)
            {
                versions.Add(kept.Count == version.Nodes.Count ? version : version with { Nodes = kept });
            }
        }
        if (!found && change.Type != RegistryEventType.Delete) versions.Add(change.Service);
        return From(versions, ExpiresAt);
    }
}
