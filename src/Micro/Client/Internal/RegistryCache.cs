using System.Collections.Concurrent;
using System.Collections.Frozen;
using Micro.Registry;

namespace Micro.Client.Internal;

/// <summary>
/// The client's view of the registry: answers from memory, refetches when a watch event says a
/// service changed or the entry is older than the cache TTL. Unknown services are not cached, so a
/// service that starts later is found on the next call.
/// </summary>
internal sealed class RegistryCache(IRegistry registry, TimeSpan ttl, TimeProvider time) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, CachedService> _entries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private long _generation;
    private Task? _watch;

    public async ValueTask<CachedService> GetAsync(string service, CancellationToken cancellationToken)
    {
        if (_watch is null) StartWatch();
        var now = time.GetTimestamp();
        if (_entries.TryGetValue(service, out var cached) && now < cached.ExpiresAt) return cached;

        var generation = Volatile.Read(ref _generation);
        var versions = await registry.GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var entry = CachedService.From(versions, now + (long)(ttl.TotalSeconds * time.TimestampFrequency));
        // Only keep the answer if no change was announced while we were asking.
        if (entry.Nodes.Count > 0 && generation == Volatile.Read(ref _generation)) _entries[service] = entry;
        return entry;
    }

    /// <summary>Told of every registry change the cache acts on (telemetry logs them).</summary>
    public Action<RegistryEvent>? Changed { get; set; }

    /// <summary>Forget what we know about a service (e.g. every node failed).</summary>
    public void Invalidate(string service)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(service, out _);
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
                    Invalidate(change.Service.Name);
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
    private CachedService(IReadOnlyList<NodeInfo> nodes, FrozenSet<string>? endpoints, FrozenSet<string> idempotent, long expiresAt)
    {
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
        return new CachedService(nodes, endpoints.Count == 0 ? null : endpoints, idempotent, expiresAt);
    }
}
