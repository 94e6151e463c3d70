using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Micro.Registry;
using Mvccpb;

namespace Micro.Etcd.Registry;

/// <summary>
/// The registry on etcd, for clusters. Each node is one key, <c>{prefix}registry/{service}/{node}</c>, holding
/// the service record with that node (JSON), attached to a lease whose TTL is the registration TTL. A
/// re-registration moves the key to a fresh lease and revokes the old one; a node that stops heart-beating
/// loses its key when the lease expires; deregistration deletes the key and revokes the lease. Watch is etcd's
/// watch on the prefix (with previous values, so deletes say which node went).
/// </summary>
public sealed class EtcdRegistry : IRegistry, IAsyncDisposable
{
    private readonly EtcdClient _client;
    private readonly bool _ownsClient;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, long> _leases = new(StringComparer.Ordinal);

    public EtcdRegistry(EtcdOptions options)
        : this(EtcdConnection.Create(options), options.Prefix, ownsClient: true)
    {
    }

    public EtcdRegistry(EtcdClient client, string prefix = "/micro/", bool ownsClient = false)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _prefix = prefix.TrimEnd('/') + "/registry/";
        _ownsClient = ownsClient;
    }

    public string Name => "etcd";

    private string NodeKey(string service, string node) => $"{_prefix}{service}/{node}";

    public async Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(service.Name);
        if (service.Name.Contains('/')) throw new ArgumentException("a service name cannot contain '/'", nameof(service));
        var ttl = (long)Math.Max(1, Math.Ceiling((options?.Ttl ?? new RegisterOptions().Ttl).TotalSeconds));
        foreach (var node in service.Nodes)
        {
            var key = NodeKey(service.Name, node.Id);
            var lease = await _client.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttl }, cancellationToken: cancellationToken).ConfigureAwait(false);
            var value = JsonSerializer.SerializeToUtf8Bytes(service with { Nodes = [node] }, RegistryJsonContext.Default.ServiceInfo);
            await _client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = lease.ID }, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (_leases.TryGetValue(key, out var old) && old != lease.ID) await RevokeAsync(old, cancellationToken).ConfigureAwait(false);
            _leases[key] = lease.ID;
        }
    }

    public async Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        foreach (var node in service.Nodes)
        {
            var key = NodeKey(service.Name, node.Id);
            await _client.DeleteAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (_leases.TryRemove(key, out var lease)) await RevokeAsync(lease, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RevokeAsync(long lease, CancellationToken cancellationToken)
    {
        try
        {
            await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            // already expired
        }
    }

    public async Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Group(await _client.GetRangeAsync(_prefix + name + "/", cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default) =>
        Group(await _client.GetRangeAsync(_prefix, cancellationToken: cancellationToken).ConfigureAwait(false));

    private static List<ServiceInfo> Group(RangeResponse range) => range.Kvs
        .Select(kv => Decode(kv.Value))
        .OfType<ServiceInfo>()
        .GroupBy(s => (s.Name, s.Version))
        .Select(g => g.First() with { Nodes = g.SelectMany(s => s.Nodes).ToList() })
        .ToList();

    private static ServiceInfo? Decode(ByteString value)
    {
        try { return JsonSerializer.Deserialize(value.Span, RegistryJsonContext.Default.ServiceInfo); }
        catch (JsonException) { return null; } // someone else's key under our prefix: ignore it
    }

    public async IAsyncEnumerable<RegistryEvent> WatchAsync(string? service = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<RegistryEvent>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
        var prefix = service is null ? _prefix : _prefix + service + "/";
        var request = new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = ByteString.CopyFromUtf8(prefix),
                RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(prefix)),
                PrevKv = true,
            },
        };
        // The returned task completes once the watch is established, with its id; events keep coming after.
        var watchId = await _client.WatchAsync(request, (Action<WatchResponse>)(response =>
        {
            foreach (var change in response.Events)
            {
                var now = DateTimeOffset.UtcNow;
                if (change.Type == Event.Types.EventType.Put && Decode(change.Kv.Value) is { } put)
                    channel.Writer.TryWrite(new RegistryEvent(change.Kv.CreateRevision == change.Kv.ModRevision ? RegistryEventType.Create : RegistryEventType.Update, put, now));
                else if (change.Type == Event.Types.EventType.Delete && change.PrevKv is not null && Decode(change.PrevKv.Value) is { } gone)
                    channel.Writer.TryWrite(new RegistryEvent(RegistryEventType.Delete, gone, now));
            }
        }), cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return change;
        }
        finally
        {
            _client.CancelWatch(watchId);
        }
    }

    /// <summary>Tests: behave as a killed process, whose leases simply run out.</summary>
    internal void ForgetLeasesForTests() => _leases.Clear();

    public async ValueTask DisposeAsync()
    {
        foreach (var lease in _leases.Values)
        {
            try { await RevokeAsync(lease, CancellationToken.None).ConfigureAwait(false); }
            catch (Grpc.Core.RpcException) { }
        }
        _leases.Clear();
        if (_ownsClient) _client.Dispose();
    }
}
