using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Micro.Config;
using Microsoft.Extensions.Configuration;
using Mvccpb;

namespace Micro.Etcd.Config;

/// <summary>
/// Configuration from an etcd prefix, kept live by one background loop: read the prefix, then watch it from
/// the revision read (so no change between the two is missed). Every change publishes a new immutable
/// snapshot (readers never see a dictionary being written). When etcd cannot be reached, at start or later,
/// the last values stay, <see cref="LoadFailed"/> says why, and the loop retries with backoff; after a
/// reconnect the watch resumes from the last revision seen (or re-reads the prefix if etcd compacted it).
/// </summary>
public sealed class EtcdConfigurationProvider : ConfigurationProvider, IReportsLoadErrors, IDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    private readonly EtcdConfigurationSource _source;
    private readonly EtcdClient _client;
    private readonly string _prefix;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    /// <summary>A provider for <paramref name="source"/>; nothing is read until <see cref="Load"/>.</summary>
    public EtcdConfigurationProvider(EtcdConfigurationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _prefix = source.Prefix.EndsWith('/') ? source.Prefix : source.Prefix + "/";
        _client = EtcdConnection.Create(source.Address);
    }

    /// <inheritdoc />
    public event Action<ConfigLoadError>? LoadFailed;

    /// <inheritdoc />
    public ConfigLoadError? LastError { get; private set; }

    /// <summary>
    /// The first call reads the prefix (a non-optional source fails when etcd is unreachable) and starts the
    /// watch loop; later calls (a configuration reload) change nothing: the watch keeps the data current.
    /// </summary>
    public override void Load()
    {
        if (_loop is not null) return;
        long? from = null;
        try
        {
            var range = _client.GetConnection().KVClient.Range(RangeOfPrefix(), deadline: DateTime.UtcNow.AddSeconds(5));
            Data = Snapshot(range);
            from = range.Header.Revision + 1;
        }
        catch (RpcException e)
        {
            if (!_source.Optional) throw new InvalidOperationException($"etcd configuration at {_source.Address}{_prefix}: {e.Status.Detail}", e);
            Report(e);
        }
        _loop = Task.Run(() => RunAsync(from, _stopping.Token));
    }

    private async Task RunAsync(long? from, CancellationToken stopping)
    {
        var retry = FirstRetry;
        var failing = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (from is null)
                {
                    var range = await _client.GetConnection().KVClient.RangeAsync(RangeOfPrefix(), cancellationToken: stopping).ConfigureAwait(false);
                    (failing, retry, LastError) = (false, FirstRetry, null);
                    Publish(Snapshot(range));
                    from = range.Header.Revision + 1;
                }
                using var call = _client.GetConnection().WatchClient.Watch(cancellationToken: stopping);
                await call.RequestStream.WriteAsync(new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest
                    {
                        Key = ByteString.CopyFromUtf8(_prefix),
                        RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(_prefix)),
                        StartRevision = from.Value,
                    },
                }, stopping).ConfigureAwait(false);
                while (await call.ResponseStream.MoveNext(stopping).ConfigureAwait(false))
                {
                    var response = call.ResponseStream.Current;
                    if (failing || LastError is not null) (failing, retry, LastError) = (false, FirstRetry, null);
                    if (response.Canceled)
                    {
                        // Compacted past our revision: what we missed is gone from history; read the prefix again.
                        from = null;
                        break;
                    }
                    if (response.Events.Count == 0) continue;
                    Publish(Apply(Data, response.Events));
                    from = response.Events[^1].Kv.ModRevision + 1;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever broke (connection, stream, server), the loop must live on: it is the only thing keeping the data current.
                if (!failing) Report(e);
                failing = true;
                try { await Task.Delay(retry, stopping).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
            }
        }
    }

    private RangeRequest RangeOfPrefix() => new()
    {
        Key = ByteString.CopyFromUtf8(_prefix),
        RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(_prefix)),
    };

    private Dictionary<string, string?> Snapshot(RangeResponse range)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var kv in range.Kvs)
            if (ToKey(kv.Key) is { } key) data[key] = kv.Value.ToStringUtf8();
        return data;
    }

    /// <summary>A new snapshot: the current one with the events applied (the current one is never written).</summary>
    private Dictionary<string, string?> Apply(IDictionary<string, string?> current, IEnumerable<Event> events)
    {
        var next = new Dictionary<string, string?>(current, StringComparer.OrdinalIgnoreCase);
        foreach (var change in events)
        {
            if (ToKey(change.Kv.Key) is not { } key) continue;
            if (change.Type == Event.Types.EventType.Delete) next.Remove(key);
            else next[key] = change.Kv.Value.ToStringUtf8();
        }
        return next;
    }

    private void Publish(Dictionary<string, string?> snapshot)
    {
        Data = snapshot; // one reference swap: a reader sees the old snapshot or the new one, whole
        OnReload();
    }

    private void Report(Exception e)
    {
        var message = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
        LastError = new ConfigLoadError($"etcd:{_source.Address}{_prefix}", message + " (retrying in the background)", DateTimeOffset.UtcNow);
        LoadFailed?.Invoke(LastError);
    }

    /// <summary>"{prefix}database/host" becomes "database:host".</summary>
    private string? ToKey(ByteString etcdKey)
    {
        var key = etcdKey.ToStringUtf8();
        if (!key.StartsWith(_prefix, StringComparison.Ordinal) || key.Length == _prefix.Length) return null;
        return key[_prefix.Length..].Trim('/').Replace('/', ':');
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Cancel();
        try { _loop?.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { /* the loop ends by cancellation */ }
        _client.Dispose();
        _stopping.Dispose();
    }
}
