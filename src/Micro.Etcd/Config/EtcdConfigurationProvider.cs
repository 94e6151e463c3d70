using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Micro.Config;
using Microsoft.Extensions.Configuration;
using Mvccpb;

namespace Micro.Etcd.Config;

/// <summary>
/// Loads the prefix once, then applies watch events as they come (from the revision it loaded, so no change
/// between the two is missed) and signals a reload. If etcd cannot be reached on a later reload the last
/// values stay and <see cref="LoadFailed"/> says why.
/// </summary>
public sealed class EtcdConfigurationProvider : ConfigurationProvider, IReportsLoadErrors, IDisposable
{
    private readonly EtcdConfigurationSource _source;
    private readonly EtcdClient _client;
    private readonly string _prefix;
    private readonly object _gate = new();
    private long _watchId = -1;

    public EtcdConfigurationProvider(EtcdConfigurationSource source)
    {
        _source = source;
        _prefix = source.Prefix.EndsWith('/') ? source.Prefix : source.Prefix + "/";
        _client = EtcdConnection.Create(new EtcdOptions { Address = source.Address });
    }

    public event Action<ConfigLoadError>? LoadFailed;

    public override void Load()
    {
        RangeResponse range;
        try
        {
            range = _client.GetRange(_prefix, deadline: DateTime.UtcNow.AddSeconds(5));
        }
        catch (Grpc.Core.RpcException e)
        {
            if (!_source.Optional) throw new InvalidOperationException($"etcd configuration at {_source.Address}{_prefix}: {e.Status.Detail}", e);
            LoadFailed?.Invoke(new ConfigLoadError($"etcd:{_prefix}", e.Status.Detail, DateTimeOffset.UtcNow));
            return;
        }
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var kv in range.Kvs)
            if (ToKey(kv.Key) is { } key) data[key] = kv.Value.ToStringUtf8();
        lock (_gate) Data = data;
        if (_watchId < 0) StartWatch(range.Header.Revision + 1);
    }

    private void StartWatch(long fromRevision)
    {
        var request = new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = ByteString.CopyFromUtf8(_prefix),
                RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(_prefix)),
                StartRevision = fromRevision,
            },
        };
        _watchId = _client.WatchAsync(request, (Action<WatchResponse>)Apply).GetAwaiter().GetResult();
    }

    private void Apply(WatchResponse response)
    {
        if (response.Events.Count == 0) return;
        lock (_gate)
        {
            foreach (var change in response.Events)
            {
                if (ToKey(change.Kv.Key) is not { } key) continue;
                if (change.Type == Event.Types.EventType.Delete) Data.Remove(key);
                else Data[key] = change.Kv.Value.ToStringUtf8();
            }
        }
        OnReload();
    }

    /// <summary>"{prefix}database/host" becomes "database:host".</summary>
    private string? ToKey(ByteString etcdKey)
    {
        var key = etcdKey.ToStringUtf8();
        if (!key.StartsWith(_prefix, StringComparison.Ordinal) || key.Length == _prefix.Length) return null;
        return key[_prefix.Length..].Trim('/').Replace('/', ':');
    }

    public void Dispose()
    {
        if (_watchId >= 0) _client.CancelWatch(_watchId);
        _client.Dispose();
    }
}
