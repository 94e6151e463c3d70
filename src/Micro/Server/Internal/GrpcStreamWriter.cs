using Grpc.Core;

namespace Micro.Server.Internal;

/// <summary>A gRPC response stream seen as Micro's <see cref="IStreamWriter{T}"/>.</summary>
internal sealed class GrpcStreamWriter<T>(IServerStreamWriter<T> inner) : IStreamWriter<T>
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default) => inner.WriteAsync(message, cancellationToken);
}
