using System.Threading.Channels;
using Micro.Registry;
using Microsoft.Extensions.Logging;

namespace Micro.Cli.Discovery;

/// <summary>
/// Every service in the registry, kept current by the registry's Watch (each event re-reads the service it names) and a
/// periodic full re-read (a record that expired without a goodbye may not raise an event). The dashboard and the MCP
/// server subscribe to its snapshots.
/// </summary>
public sealed partial class RegistryView : IAsyncDisposable
{
    private readonly IRegistry _registry;
    private readonly ILogger _logger;
    private readonly TimeSpan _resync;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<Channel<Snapshot>> _subscribers = [];
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Dictionary<string, IReadOnlyList<ServiceInfo>> _services = new(StringComparer.Ordinal);
    private Snapshot _current = new(0, []);
    private Task? _watching;
    private Task? _resyncing;

    /// <summary>A view of <paramref name="registry"/>, fully re-read every <paramref name="resync"/>.</summary>
    public RegistryView(IRegistry registry, ILogger logger, TimeSpan? resync = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(logger);
        _registry = registry;
        _logger = logger;
        _resync = resync ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>Every service and its nodes at one moment; <see cref="Version"/> grows with each change.</summary>
    public sealed record Snapshot(long Version, IReadOnlyList<ServiceInfo> Services);

    /// <summary>The registry's short name ("mdns", "etcd", ...).</summary>
    public string RegistryName => _registry.Name;

    /// <summary>The latest snapshot.</summary>
    public Snapshot Current
    {
        get { lock (_gate) return _current; }
    }

    /// <summary>Starts watching, then reads everything once; returns when the first full read is done.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _watching = Task.Run(() => WatchAsync(_stop.Token), CancellationToken.None);
        _resyncing = Task.Run(() => ResyncAsync(_stop.Token), CancellationToken.None);
        await _loaded.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The current snapshot, then each new one, until <paramref name="cancellationToken"/> fires. A slow reader skips to the latest.</summary>
    public async IAsyncEnumerable<Snapshot> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<Snapshot>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
            channel.Writer.TryWrite(_current);
        }
        try
        {
            await foreach (var snapshot in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return snapshot;
        }
        finally
        {
            lock (_gate) _subscribers.Remove(channel);
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in _registry.WatchAsync(null, cancellationToken).ConfigureAwait(false))
                {
                    var versions = await _registry.GetServiceAsync(change.Service.Name, cancellationToken).ConfigureAwait(false);
                    Update(services => services[change.Service.Name] = versions);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWatchFailed(_logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_resync);
        do
        {
            try
            {
                var all = await RegistryQueries.AllAsync(_registry, cancellationToken).ConfigureAwait(false);
                var byName = all.GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (IReadOnlyList<ServiceInfo>)g.ToList(), StringComparer.Ordinal);
                Update(services =>
                {
                    services.Clear();
                    foreach (var (name, versions) in byName) services[name] = versions;
                });
                _loaded.TrySetResult();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogResyncFailed(_logger, e.Message);
                _loaded.TrySetException(e);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Applies a change; publishes a new snapshot only when the services really differ.</summary>
    private void Update(Action<Dictionary<string, IReadOnlyList<ServiceInfo>>> change)
    {
        lock (_gate)
        {
            var next = new Dictionary<string, IReadOnlyList<ServiceInfo>>(_services, StringComparer.Ordinal);
            change(next);
            var services = next.Values.SelectMany(v => v).Where(s => s.Nodes.Count > 0)
                .OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Version, StringComparer.Ordinal)
                .Select(s => s with { Nodes = s.Nodes.OrderBy(n => n.Id, StringComparer.Ordinal).ToList() })
                .ToList();
            _services = next;
            if (Same(services, _current.Services)) return;
            _current = new Snapshot(_current.Version + 1, services);
            foreach (var subscriber in _subscribers) subscriber.Writer.TryWrite(_current);
        }
    }

    private static bool Same(IReadOnlyList<ServiceInfo> a, IReadOnlyList<ServiceInfo> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && p.First.Version == p.Second.Version
            && p.First.Nodes.Select(n => n.Id + "@" + n.Address).SequenceEqual(p.Second.Nodes.Select(n => n.Id + "@" + n.Address))
            && p.First.Endpoints.Select(e => e.Name).SequenceEqual(p.Second.Endpoints.Select(e => e.Name)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "registry watch failed, retrying: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "registry read failed: {Reason}")]
    private static partial void LogResyncFailed(ILogger logger, string reason);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _watching, _resyncing })
            if (task is not null)
                try { await task.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _stop.Dispose();
        lock (_gate) foreach (var subscriber in _subscribers) subscriber.Writer.TryComplete();
    }
}
