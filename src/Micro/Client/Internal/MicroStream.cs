using System.Runtime.CompilerServices;
using Grpc.Core;
using Micro.Errors;

namespace Micro.Client.Internal;

/// <summary>A duplex gRPC call seen as Micro: errors surface as <see cref="MicroException"/>.</summary>
internal sealed class MicroStream<TRequest, TResponse>(AsyncDuplexStreamingCall<TRequest, TResponse> call, string service, string endpoint,
    NodeChannel channel, CancellationTokenSource? linked)
    : IMicroStream<TRequest, TResponse>, IStreamEnd
    where TRequest : class where TResponse : class
{
    private int _disposed;
    private Action<Exception?>? _ended;
    private MicroException? _error; // the last failure, for telemetry when the stream ends

    public void OnEnded(Action<Exception?> ended) => _ended = ended;

    private MicroException Failed(RpcException e) => _error = GrpcErrorMapping.FromRpcException(e, service, endpoint);

    public async Task SendAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        try { await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false); }
        catch (RpcException e) { throw Failed(e); }
    }

    public async Task CompleteAsync()
    {
        try { await call.RequestStream.CompleteAsync().ConfigureAwait(false); }
        catch (RpcException e) { throw Failed(e); }
    }

    public async IAsyncEnumerable<TResponse> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var responses = call.ResponseStream;
        while (true)
        {
            bool more;
            try { more = await responses.MoveNext(cancellationToken).ConfigureAwait(false); }
            catch (RpcException e) { throw Failed(e); }
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
        _ended?.Invoke(_error);
        return ValueTask.CompletedTask;
    }
}
