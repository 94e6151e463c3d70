namespace Micro.Client;

/// <summary>A bidirectional stream: send requests, read responses, complete the request side when done.</summary>
public interface IMicroStream<in TRequest, TResponse> : IAsyncDisposable
{
    /// <summary>Sends one request message.</summary>
    Task SendAsync(TRequest message, CancellationToken cancellationToken = default);

    /// <summary>No more requests; the server sees the end of its request stream.</summary>
    Task CompleteAsync();

    /// <summary>Responses until the server ends the stream; a server error surfaces as a MicroException.</summary>
    IAsyncEnumerable<TResponse> ReadAllAsync(CancellationToken cancellationToken = default);
}
