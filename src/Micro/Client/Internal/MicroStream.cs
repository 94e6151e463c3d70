using System.Runtime.CompilerServices;
using Grpc.Core;
using Micro.Errors;

namespace Micro.Client.Internal;

/// <summary>A duplex gRPC call seen as Micro: errors surface as <see cref="MicroException"/>.</summary>
internal sealed class MicroStream<TRequest, TResponse>(AsyncDuplexStreamingCall<TRequest, TResponse> call, string service, string endpoint,
    NodeChannel channel, CancellationTokenSource? linked)
    : IMicroStream<TRequest, TResponse>
    where TRequest : class where TResponse : class
{
    private int _disposed;

    public async Task SendAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        try { await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false); }
        catch (RpcException e) { throw GrpcErrorMapping.FromRpcException(e, service, endpoint); }
    }

    public async Task CompleteAsync()
    {
        try { await call.RequestStream.CompleteAsync().ConfigureAwait(false); }
        catch (RpcException e) { throw GrpcErrorMapping.FromRpcException(e, service, endpoint); }
    }

    public async IAsyncEnumerable<TResponse> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var responses = call.ResponseStream;
        while (true)
        {
            bool more;
            try { more = await responses.MoveNext(cancellationToken).ConfigureAwait(false); }
            catch (RpcException e) { throw GrpcErrorMapping.FromRpcException(e, service, endpoint); }
            if (!more) yield break;
            yield return responses.Current;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        call.Dispose();
        channel.Exit();
        linked?.Dispose();
        return ValueTask.CompletedTask;
    }
}
