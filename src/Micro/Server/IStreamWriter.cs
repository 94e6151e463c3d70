namespace Micro.Server;

/// <summary>The response side of a streaming handler.</summary>
public interface IStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
