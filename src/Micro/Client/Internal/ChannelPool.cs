using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Micro.Identity;
using Micro.Internal;

namespace Micro.Client.Internal;

/// <summary>
/// One HTTP/2 channel per node address, reused by every call to that node. Channels carry the client's connect
/// timeout and keep-alive pings; a channel with no call for <see cref="IdleTimeout"/> is closed, so a client that
/// sees nodes come and go for months holds only the channels it uses.
/// </summary>
internal sealed class ChannelPool(ClientOptions options, TimeProvider time, TransportSecurity? security = null) : IDisposable
{
    /// <summary>Idle channels are closed after this long (SocketsHttpHandler's pooled connections idle out sooner).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Lazy<NodeChannel>> _channels = new(StringComparer.Ordinal);
    private long _nextSweep = CoarseClock.Milliseconds(time) + IdleMilliseconds;

    /// <summary>The channel to <paramref name="address"/>; the caller pairs it with <see cref="NodeChannel.Enter"/> / <see cref="NodeChannel.Exit"/>.</summary>
    public NodeChannel Get(string address) => Get(address, null, null);

    /// <summary>The channel to <paramref name="node"/> of <paramref name="service"/>: mTLS checking that the node is that service, or h2c.</summary>
    public NodeChannel Get(string service, Registry.NodeInfo node) =>
        security?.TlsUrl(node) is { } url ? Get(service + "|" + url, url, service) : Get(node.Address);

    /// <summary>An h2c channel's key is its address, and its URL is only built when the channel is (not on every call).</summary>
    private NodeChannel Get(string key, string? tlsUrl, string? tlsService)
    {
        var now = CoarseClock.Milliseconds(time);
        if (now >= Volatile.Read(ref _nextSweep)) Sweep(now);
        var channel = _channels.GetOrAdd(key, static (key, s) => s.Pool.Create(s.Url ?? "http://" + key, s.Service), (Pool: this, Url: tlsUrl, Service: tlsService)).Value;
        channel.Touch(now);
        return channel;
    }

    public int Count => _channels.Count;

    private Lazy<NodeChannel> Create(string url, string? tlsService) => new(() =>
    {
        var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // More than ~100 concurrent streams on one connection queue; let the handler open more.
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = options.ConnectTimeout,
                KeepAlivePingDelay = options.KeepAliveInterval,
                KeepAlivePingTimeout = options.KeepAliveTimeout,
                // Only while calls are in flight: an idle connection costs the node nothing and pings from many idle
                // clients would (grpc-go servers answer too-frequent pings with GOAWAY).
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
                // Telemetry: the client's attempt span already describes this request and puts its traceparent in the
                // metadata; no propagator means HttpClient adds no second activity (and no second header) per call.
                ActivityHeadersPropagator = null,
            }.WithSecurity(security, tlsService),
            MaxReceiveMessageSize = options.MaxMessageSize,
            MaxSendMessageSize = null, // the server enforces its own limit and says so
        });
        return new NodeChannel(channel);
    });

    private void Sweep(long now)
    {
        Volatile.Write(ref _nextSweep, now + IdleMilliseconds);
        foreach (var (address, lazy) in _channels)
        {
            if (!lazy.IsValueCreated) continue;
            var channel = lazy.Value;
            if (channel.IsIdleSince(now - IdleMilliseconds) && _channels.TryRemove(new KeyValuePair<string, Lazy<NodeChannel>>(address, lazy)))
                channel.Dispose();
        }
    }

    private static long IdleMilliseconds => CoarseClock.Of(IdleTimeout);

    public void Dispose()
    {
        foreach (var lazy in _channels.Values)
            if (lazy.IsValueCreated) lazy.Value.Dispose();
        _channels.Clear();
    }
}

/// <summary>A channel to one node, with the calls using it counted so an idle sweep never closes a busy one.</summary>
internal sealed class NodeChannel(GrpcChannel channel) : IDisposable
{
    private long _lastUsed;
    private int _active;

    public CallInvoker Invoker { get; } = channel.CreateCallInvoker();

    public void Enter() => Interlocked.Increment(ref _active);

    public void Exit() => Interlocked.Decrement(ref _active);

    public void Touch(long now)
    {
        // Written once per clock tick (a few ms) per channel: no cache-line ping-pong at high call rates.
        if (now != Volatile.Read(ref _lastUsed)) Volatile.Write(ref _lastUsed, now);
    }

    public bool IsIdleSince(long timestamp) => Volatile.Read(ref _active) == 0 && Volatile.Read(ref _lastUsed) < timestamp;

    public void Dispose() => channel.Dispose();
}
