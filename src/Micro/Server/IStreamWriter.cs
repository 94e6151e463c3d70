namespace Micro.Server;

/// <summary>The response side of a streaming handler.</summary>
public interface IStreamWriter<in T>
{
    /// <summary>Sends one response message to the caller.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
