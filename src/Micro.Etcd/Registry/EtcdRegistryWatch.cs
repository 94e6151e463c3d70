using System.Threading.Channels;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Micro.Registry;
using Mvccpb;

namespace Micro.Etcd.Registry;

/// <summary>
/// One registry watch that survives etcd: it keeps the keys it has reported (with their revisions), watches
/// from the revision after the last one it saw, and when the watch is cancelled, compacted past that revision,
/// or the connection drops, it lists the prefix again, reports the difference (creates, updates, deletes) and
/// watches again from the listed revision. Events are neither lost nor repeated for the consumer.
/// </summary>
internal sealed class EtcdRegistryWatch(EtcdClient client, string prefix, ChannelWriter<RegistryEvent> events, Action countRequest)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);
    private readonly Dictionary<string, (long ModRevision, ServiceInfo Service)> _known = new(StringComparer.Ordinal);
    private long _revision;

    /// <summary>Recoveries so far (tests).</summary>
    public int Relists { get; private set; }

    /// <summary>The first listing: what exists now is the baseline, not news.</summary>
    public async Task StartAsync(CancellationToken cancellationToken) => await ListAsync(report: false, cancellationToken).ConfigureAwait(false);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var relist = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (relist)
                {
                    await ListAsync(report: true, cancellationToken).ConfigureAwait(false);
                    Relists++;
                    relist = false;
                }
                var compacted = await WatchAsync(() => backoff = TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                relist = true; // the stream ended: cancelled, compacted or closed; either way catch up from a listing
                if (compacted) continue;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or IOException or HttpRequestException or InvalidOperationException)
            {
                relist = true; // connection lost (etcd restarting, network): retry with backoff
            }
            try { await Task.Delay(backoff, cancellationToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    /// <summary>Lists the prefix; with <paramref name="report"/>, tells the consumer how it differs from what it knew.</summary>
    private async Task ListAsync(bool report, CancellationToken cancellationToken)
    {
        countRequest();
        var range = await client.GetRangeAsync(prefix, cancellationToken: cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kv in range.Kvs)
        {
            var key = kv.Key.ToStringUtf8();
            if (EtcdRegistry.Decode(kv.Value) is not { } service) continue;
            seen.Add(key);
            var had = _known.TryGetValue(key, out var known);
            _known[key] = (kv.ModRevision, service);
            if (!report) continue;
            if (!had) Emit(RegistryEventType.Create, service);
            else if (known.ModRevision != kv.ModRevision) Emit(RegistryEventType.Update, service);
        }
        foreach (var gone in _known.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            var service = _known[gone].Service;
            _known.Remove(gone);
            if (report) Emit(RegistryEventType.Delete, service);
        }
        _revision = range.Header.Revision;
    }

    /// <summary>Watches from the revision after the last seen until the stream ends; true when etcd said it was compacted.</summary>
    private async Task<bool> WatchAsync(Action connected, CancellationToken cancellationToken)
    {
        countRequest();
        using var call = client.GetConnection().WatchClient.Watch(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = ByteString.CopyFromUtf8(prefix),
                RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(prefix)),
                StartRevision = _revision + 1,
                PrevKv = true,
                ProgressNotify = true,
            },
        }, cancellationToken).ConfigureAwait(false);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.Created) connected();
            if (response.CompactRevision > 0) return true; // the revision we asked for is gone: re-list
            if (response.Canceled) return false;
            foreach (var change in response.Events) Apply(change);
            // Progress notifications and empty responses move the revision too: a later re-watch starts after them.
            if (response.Header is not null && response.Events.Count == 0 && !response.Created) _revision = Math.Max(_revision, response.Header.Revision);
        }
        return false;
    }

    private void Apply(Event change)
    {
        var key = change.Kv.Key.ToStringUtf8();
        _revision = Math.Max(_revision, change.Kv.ModRevision);
        if (change.Type == Event.Types.EventType.Put)
        {
            if (EtcdRegistry.Decode(change.Kv.Value) is not { } service) return;
            var had = _known.TryGetValue(key, out var known);
            if (had && known.ModRevision >= change.Kv.ModRevision) return; // already reported by a listing
            _known[key] = (change.Kv.ModRevision, service);
            Emit(had ? RegistryEventType.Update : RegistryEventType.Create, service);
        }
        else if (_known.Remove(key, out var gone))
        {
            Emit(RegistryEventType.Delete, gone.Service);
        }
    }

    private void Emit(RegistryEventType type, ServiceInfo service) => events.TryWrite(new RegistryEvent(type, service, DateTimeOffset.UtcNow));
}
