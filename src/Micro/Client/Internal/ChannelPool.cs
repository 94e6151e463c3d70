using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Micro.Identity;

namespace Micro.Client.Internal;

/// <summary>One HTTP/2 channel per node address, reused by every call to that node.</summary>
internal sealed class ChannelPool(int maxReceiveMessageSize, Identity.TransportSecurity? security = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<(GrpcChannel Channel, CallInvoker Invoker)>> _channels = new(StringComparer.Ordinal);

    public CallInvoker Get(string address) => _channels.GetOrAdd(address, static (a, pool) => pool.Create("http://" + a, null), this).Value.Invoker;

    /// <summary>The channel to <paramref name="node"/> of <paramref name="service"/>: mTLS checking that the node is that service, or h2c.</summary>
    public CallInvoker Get(string service, Registry.NodeInfo node) => security?.TlsUrl(node) is { } url
        ? _channels.GetOrAdd(service + "|" + url, static (_, s) => s.Pool.Create(s.Url, s.Service), (Pool: this, Url: url, Service: service)).Value.Invoker
        : Get(node.Address);

    private Lazy<(GrpcChannel, CallInvoker)> Create(string url, string? tlsService) => new(() =>
    {
        var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // More than ~100 concurrent streams on one connection queue; let the handler open more.
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            }.WithSecurity(security, tlsService),
            MaxReceiveMessageSize = maxReceiveMessageSize,
            MaxSendMessageSize = null, // the server enforces its own limit and says so
        });
        return (channel, channel.CreateCallInvoker());
    });

    public void Dispose()
    {
        foreach (var lazy in _channels.Values)
            if (lazy.IsValueCreated) lazy.Value.Channel.Dispose();
        _channels.Clear();
    }
}
