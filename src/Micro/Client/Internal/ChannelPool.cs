using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;

namespace Micro.Client.Internal;

/// <summary>One HTTP/2 channel per node address, reused by every call to that node.</summary>
internal sealed class ChannelPool(int maxReceiveMessageSize) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<(GrpcChannel Channel, CallInvoker Invoker)>> _channels = new(StringComparer.Ordinal);

    public CallInvoker Get(string address) => _channels.GetOrAdd(address, Create).Value.Invoker;

    private Lazy<(GrpcChannel, CallInvoker)> Create(string address) => new(() =>
    {
        var channel = GrpcChannel.ForAddress("http://" + address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // More than ~100 concurrent streams on one connection queue; let the handler open more.
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            },
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
