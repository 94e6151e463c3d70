using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Micro.Registry;

namespace Micro.Etcd.Registry;

/// <summary>
/// The registry on etcd, for clusters. Each node is one key, <c>{prefix}registry/{service}/{node}</c>, holding
/// the service record with that node (JSON), attached to the node's lease whose TTL is the registration TTL.
/// A heartbeat is one keep-alive of that lease; the key is written again only when the record changes, and a
/// lease that expired meanwhile (a long outage) is replaced by a new one. Deregistration deletes the key and
/// revokes the lease. Watch is etcd's watch on the prefix, recovered after cancellation, compaction and
/// connection loss by <see cref="EtcdRegistryWatch"/> (re-list, then watch again from the listed revision).
/// </summary>
public sealed class EtcdRegistry : IRegistry, IAsyncDisposable
{
    private readonly EtcdClient _client;
    private readonly bool _ownsClient;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, Registration> _registrations = new(StringComparer.Ordinal);

    /// <summary>A registry with its own connection to <see cref="RegistryOptions.Address"/> (required), keys under <see cref="RegistryOptions.Prefix"/>.</summary>
    public EtcdRegistry(RegistryOptions options)
        : this(EtcdConnection.Create(AddressOf(options)), options.Prefix, ownsClient: true)
    {
    }

    // A network plug-in without an address is a mistake to report, not a default to guess.
    private static string AddressOf(RegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.Address)
            ? throw new InvalidOperationException($"the etcd registry needs {MicroSettings.Describe("Registry", nameof(RegistryOptions.Address))}, e.g. 127.0.0.1:2379")
            : options.Address;
    }

    /// <summary>A registry on a shared client; <paramref name="ownsClient"/> says whether disposing it disposes the client.</summary>
    public EtcdRegistry(EtcdClient client, string prefix = "/micro/", bool ownsClient = false)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _prefix = prefix.TrimEnd('/') + "/registry/";
        _ownsClient = ownsClient;
    }

    /// <inheritdoc />
    public string Name => "etcd";

    /// <summary>etcd requests this registry made (tests and the benchmark count heartbeats with it).</summary>
    internal long Requests => Interlocked.Read(ref _requests);
    private long _requests;

    private string NodeKey(string service, string node) => $"{_prefix}{service}/{node}";

    /// <inheritdoc />
    public async Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(service.Name);
        if (service.Name.Contains('/', StringComparison.Ordinal)) throw new ArgumentException("a service name cannot contain '/'", nameof(service));
        var ttl = (long)Math.Max(1, Math.Ceiling((options?.Ttl ?? new RegisterOptions().Ttl).TotalSeconds));
        foreach (var node in service.Nodes)
        {
            var key = NodeKey(service.Name, node.Id);
            var value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(service with { Nodes = [node] }, RegistryJsonContext.Default.ServiceInfo));
            _registrations.TryGetValue(key, out var known);
            if (known is not null && known.Ttl == ttl)
            {
                // The heartbeat: one keep-alive. A lease that is gone (expired during an outage) means a fresh start.
                if (await KeepAliveAsync(known.Lease, cancellationToken).ConfigureAwait(false))
                {
                    if (!known.Value.Equals(value)) await PutAsync(key, value, known.Lease, cancellationToken).ConfigureAwait(false);
                    _registrations[key] = known with { Value = value };
                    continue;
                }
            }
            Count();
            var lease = await _client.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttl }, cancellationToken: cancellationToken).ConfigureAwait(false);
            await PutAsync(key, value, lease.ID, cancellationToken).ConfigureAwait(false);
            _registrations[key] = new Registration(lease.ID, ttl, value);
            if (known is not null && known.Lease != lease.ID) await RevokeAsync(known.Lease, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PutAsync(string key, ByteString value, long lease, CancellationToken cancellationToken)
    {
        Count();
        await _client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = value, Lease = lease }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One keep-alive round trip; false when etcd no longer knows the lease.</summary>
    private async Task<bool> KeepAliveAsync(long lease, CancellationToken cancellationToken)
    {
        Count();
        var answered = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var keepAlive = _client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = lease }, r => answered.TrySetResult(r.TTL), stream.Token, null);
        try
        {
            var first = await Task.WhenAny(answered.Task, keepAlive).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (first != answered.Task)
            {
                await keepAlive.ConfigureAwait(false); // throws what broke the stream
                if (!answered.Task.IsCompleted) throw new InvalidOperationException($"etcd ended the keep-alive of lease {lease} without an answer");
            }
            return await answered.Task.ConfigureAwait(false) > 0;
        }
        finally
        {
            await stream.CancelAsync().ConfigureAwait(false);
            try { await keepAlive.ConfigureAwait(false); }
            catch (Exception) { /* the stream ends by cancellation */ }
        }
    }

    /// <inheritdoc />
    public async Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        foreach (var node in service.Nodes)
        {
            var key = NodeKey(service.Name, node.Id);
            Count();
            await _client.DeleteAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (_registrations.TryRemove(key, out var known)) await RevokeAsync(known.Lease, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RevokeAsync(long lease, CancellationToken cancellationToken)
    {
        Count();
        try
        {
            await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            // already expired
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Count();
        return Group(await _client.GetRangeAsync(_prefix + name + "/", cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default)
    {
        Count();
        return Group(await _client.GetRangeAsync(_prefix, cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    private static List<ServiceInfo> Group(RangeResponse range) => range.Kvs
        .Select(kv => Decode(kv.Value))
        .OfType<ServiceInfo>()
        .GroupBy(s => (s.Name, s.Version))
        .Select(g => g.First() with { Nodes = g.SelectMany(s => s.Nodes).ToList() })
        .ToList();

    internal static ServiceInfo? Decode(ByteString value)
    {
        try { return JsonSerializer.Deserialize(value.Span, RegistryJsonContext.Default.ServiceInfo); }
        catch (JsonException) { return null; } // someone else's key under our prefix: ignore it
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryEvent> WatchAsync(string? service = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<RegistryEvent>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
        var prefix = service is null ? _prefix : _prefix + service + "/";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = new EtcdRegistryWatch(_client, prefix, channel.Writer, Count);
        // The first listing happens before the enumeration yields, so changes made after WatchAsync starts are seen.
        await watch.StartAsync(stop.Token).ConfigureAwait(false);
        var running = watch.RunAsync(stop.Token);
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return change;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await running.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    private void Count() => Interlocked.Increment(ref _requests);

    /// <summary>Tests: behave as a killed process, whose leases simply run out.</summary>
    internal void ForgetLeasesForTests() => _registrations.Clear();

    /// <summary>Revokes this registry's leases (its nodes go at once), then closes an owned connection.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var registration in _registrations.Values)
        {
            try { await RevokeAsync(registration.Lease, CancellationToken.None).ConfigureAwait(false); }
            catch (Grpc.Core.RpcException) { }
        }
        _registrations.Clear();
        if (_ownsClient) _client.Dispose();
    }

    /// <summary>What this process wrote for one node key: the lease it hangs on, its TTL, and the value.</summary>
    private sealed record Registration(long Lease, long Ttl, ByteString Value);
}
