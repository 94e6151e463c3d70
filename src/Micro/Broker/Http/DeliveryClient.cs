using System.Collections.Concurrent;
using System.Net;
using Micro.Auth;
using Micro.Errors;
using Micro.Identity;
using Micro.Registry;

namespace Micro.Broker.Http;

/// <summary>
/// The publisher's side of the wire: posts delivery requests to subscriber nodes over h2c, or over mTLS when the process's
/// TLS mode says so (the RPC client's rule: this process's certificate, and only a node whose certificate names the
/// subscribing service is accepted). With auth on, each request carries this process's token for the subscribing service
/// as audience, so the subscriber checks it like a call's.
/// </summary>
internal sealed class DeliveryClient(TransportSecurity? security, ICallCredentials? credentials) : IDisposable
{
    private readonly HttpClient _h2c = Create(null, null);
    // One client per subscribing service: its handler checks the server certificate against that name.
    private readonly ConcurrentDictionary<string, Lazy<HttpClient>> _mtls = new(StringComparer.Ordinal);

    /// <summary>
    /// Posts <paramref name="body"/> to <paramref name="node"/> and returns the reply (at most <paramref name="replyLimit"/> bytes).
    /// Throws <see cref="DeliveryRefusedException"/> for 401/403 (the subscriber's auth check), <see cref="HttpRequestException"/>
    /// for any other failure (the node is treated as failed).
    /// </summary>
    public async Task<ReadOnlyMemory<byte>> SendAsync(NodeInfo node, ReadOnlyMemory<byte> body, int replyLimit, CancellationToken cancellationToken)
    {
        var service = node.Metadata.GetValueOrDefault(SubscriberDirectory.ServiceKey);
        var tls = security?.TlsUrl(node);
        HttpClient client;
        if (tls is null) client = _h2c;
        else if (service is null) throw new HttpRequestException($"subscriber node {node.Id} names no service, so its certificate cannot be checked");
        else client = _mtls.GetOrAdd(service, s => new Lazy<HttpClient>(() => Create(security, s))).Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, (tls ?? "http://" + node.Address) + HttpBroker.DeliveryPath)
        {
            Content = new ReadOnlyMemoryContent(body),
            // h2c with prior knowledge, like the RPC channel: the listener speaks HTTP/2 only.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(DeliveryBatch.ContentType);
        if (credentials is not null && service is not null
            && await credentials.GetAuthorizationAsync(service, cancellationToken).ConfigureAwait(false) is { } authorization)
            request.Headers.TryAddWithoutValidation(BearerToken.Header, authorization);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new DeliveryRefusedException(await RefusalAsync(response, cancellationToken).ConfigureAwait(false));
        if (response.StatusCode != HttpStatusCode.OK) throw new HttpRequestException($"subscriber answered {(int)response.StatusCode}");
        if (response.Content.Headers.ContentLength > replyLimit) throw new HttpRequestException("reply too large");
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await HttpBroker.ReadBoundedAsync(stream, replyLimit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The subscriber's error ({"id","code","detail"}, bounded), or one made from the status when the body is not one.</summary>
    private static async Task<MicroException> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var code = (int)response.StatusCode;
        try
        {
            var bytes = await HttpBroker.ReadBoundedAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), 4096, cancellationToken).ConfigureAwait(false);
            if (GrpcErrorMapping.TryDecode(System.Text.Encoding.UTF8.GetString(bytes.Span), out var error) && error.Code == code) return error;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or HttpRequestException) { }
        return new MicroException(code == 401 ? ErrorCodes.Unauthorized : ErrorCodes.Forbidden, code, "the subscriber refused the delivery");
    }

    private static HttpClient Create(TransportSecurity? security, string? service) => new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    }.WithSecurity(security, service))
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public void Dispose()
    {
        _h2c.Dispose();
        foreach (var client in _mtls.Values)
            if (client.IsValueCreated) client.Value.Dispose();
    }
}
