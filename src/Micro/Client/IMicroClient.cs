using System.Diagnostics.CodeAnalysis;
using Micro.Broker;
using Micro.Codec;

namespace Micro.Client;

/// <summary>
/// Calls services by name: discovery, load balancing, retries, deadlines and codecs are the client's job.
/// Long-lived and thread-safe; share one per process.
/// </summary>
public interface IMicroClient
{
    /// <summary>Calls <paramref name="endpoint"/> (e.g. "Greeter.Hello") of <paramref name="service"/> and returns its reply.</summary>
    /// <exception cref="MicroException">With the documented id: service/endpoint not found, deadline exceeded, malformed payload, the handler's own error, ...</exception>
    Task<TResponse> CallAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string service, string endpoint, TRequest request,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class;

    /// <summary>Sends one request and reads the server's stream of responses.</summary>
    IAsyncEnumerable<TResponse> ServerStreamAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string service, string endpoint, TRequest request,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class;

    /// <summary>Streams <paramref name="requests"/> to the server and returns its one response.</summary>
    Task<TResponse> ClientStreamAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string service, string endpoint, IAsyncEnumerable<TRequest> requests,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class;

    /// <summary>Opens a bidirectional stream to one node of <paramref name="service"/>.</summary>
    Task<IMicroStream<TRequest, TResponse>> StreamAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string service, string endpoint,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class;

    /// <summary>
    /// Publishes <paramref name="message"/> to <paramref name="topic"/> through the configured broker (MICRO_BROKER); completes
    /// once the broker accepted it (durably for the HTTP outbox and JetStream).
    /// </summary>
    /// <exception cref="MicroException">400 illegal topic, 413 too large, 429 outbox full, 503 broker unreachable.</exception>
    ValueTask PublishAsync<T>(string topic, T message, PublishOptions? options = null, CancellationToken cancellationToken = default);
}
