using Grpc.Core;
using Micro.Client.Internal;
using Micro.Codec;
using Micro.Errors;
using Micro.Middleware;
using Micro.Registry;
using Micro.Selector;
using Micro.Server.Internal;

namespace Micro.Client;

/// <summary>
/// The default <see cref="IMicroClient"/>: registry lookup (cached, kept fresh by Watch), node selection,
/// deadline, retry on a different node with backoff, failed-node quarantine, codec by type or per call.
/// </summary>
public sealed partial class MicroClient : IMicroClient, IAsyncDisposable
{
    private readonly ISelector _selector;
    private readonly CodecRegistry _codecs;
    private readonly ClientOptions _options;
    private readonly IClientMiddleware[] _middleware;
    private readonly TimeProvider _time;
    private readonly RegistryCache _cache;
    private readonly ChannelPool _channels;
    private readonly Auth.ICallCredentials? _credentials;
    private IAsyncDisposable? _owner;
    private int _disposed;

    public MicroClient(IRegistry registry, ISelector? selector = null, CodecRegistry? codecs = null, ClientOptions? options = null,
        IEnumerable<IClientMiddleware>? middleware = null, TimeProvider? time = null, Auth.ICallCredentials? credentials = null,
        Identity.TransportSecurity? security = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _selector = selector ?? new RandomSelector();
        _codecs = codecs ?? new CodecRegistry();
        _options = options ?? new ClientOptions();
        _middleware = middleware?.ToArray() ?? [];
        _time = time ?? TimeProvider.System;
        Health = new NodeHealth(_time) { Quarantine = _options.FailedNodeQuarantine };
        _cache = new RegistryCache(registry, _options.CacheTtl, _time);
        _channels = new ChannelPool(_options.MaxMessageSize, security);
        Registry = registry;
        _credentials = credentials;
    }

    public IRegistry Registry { get; }

    /// <summary>Which nodes are being skipped after failures.</summary>
    public NodeHealth Health { get; }

    public Task<TResponse> CallAsync<TRequest, TResponse>(string service, string endpoint, TRequest request,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        options ??= CallOptions.Default;
        if (_middleware.Length == 0) return InvokeAsync<TRequest, TResponse>(service, endpoint, request, options, cancellationToken);
        return ThroughMiddlewareAsync<TRequest, TResponse>(new ClientCall(service, endpoint, request, options, cancellationToken));
    }

    private async Task<TResponse> ThroughMiddlewareAsync<TRequest, TResponse>(ClientCall call)
        where TRequest : class where TResponse : class
    {
        ClientCallHandler next = async c => await InvokeAsync<TRequest, TResponse>(c.Service, c.Endpoint, (TRequest)c.Request!, c.Options, c.CancellationToken).ConfigureAwait(false);
        for (var i = _middleware.Length - 1; i >= 0; i--)
        {
            var middleware = _middleware[i];
            var inner = next;
            next = c => middleware.InvokeAsync(c, inner);
        }
        return (TResponse)(await next(call).ConfigureAwait(false))!;
    }

    private async Task<TResponse> InvokeAsync<TRequest, TResponse>(string service, string endpoint, TRequest request,
        CallOptions options, CancellationToken cancellationToken)
        where TRequest : class where TResponse : class
    {
        var (requestCodec, responseCodec) = CodecsFor<TRequest, TResponse>(options);
        var method = MethodCache<TRequest, TResponse>.Get(service, endpoint, requestCodec, responseCodec, MethodType.Unary);
        var deadline = _time.GetUtcNow().UtcDateTime + (options.Timeout ?? _options.Timeout);
        var headers = _credentials is null ? Headers(options) : await AuthorizedHeadersAsync(service, options, cancellationToken).ConfigureAwait(false);
        var retries = options.Retries ?? _options.Retries;
        List<NodeInfo>? tried = null;
        for (var attempt = 0; ; attempt++)
        {
            var node = await PickNodeAsync(service, endpoint, options, tried, cancellationToken).ConfigureAwait(false);
            try
            {
                using var call = _channels.Get(service, node).AsyncUnaryCall(method, null, new Grpc.Core.CallOptions(headers, deadline, cancellationToken), request);
                return await call.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var error = GrpcErrorMapping.FromRpcException(e, service, endpoint);
                if (!IsTransportFailure(e)) throw error;
                Health.MarkFailed(node.Id);
                if (attempt >= retries || options.Address is not null) throw error;
                (tried ??= []).Add(node);
                var pause = _options.Backoff * (1 << Math.Min(attempt, 10));
                var left = deadline - _time.GetUtcNow().UtcDateTime;
                if (left <= pause) throw error;
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<IMicroStream<TRequest, TResponse>> StreamAsync<TRequest, TResponse>(string service, string endpoint,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class
    {
        var (invoker, method, callOptions) = await PrepareStreamAsync<TRequest, TResponse>(service, endpoint, options, MethodType.DuplexStreaming, cancellationToken).ConfigureAwait(false);
        return new MicroStream<TRequest, TResponse>(invoker.AsyncDuplexStreamingCall(method, null, callOptions), service, endpoint);
    }

    public async IAsyncEnumerable<TResponse> ServerStreamAsync<TRequest, TResponse>(string service, string endpoint, TRequest request,
        CallOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class
    {
        var (invoker, method, callOptions) = await PrepareStreamAsync<TRequest, TResponse>(service, endpoint, options, MethodType.ServerStreaming, cancellationToken).ConfigureAwait(false);
        using var call = invoker.AsyncServerStreamingCall(method, null, callOptions, request);
        while (true)
        {
            bool more;
            try { more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false); }
            catch (RpcException e) { throw GrpcErrorMapping.FromRpcException(e, service, endpoint); }
            if (!more) yield break;
            yield return call.ResponseStream.Current;
        }
    }

    public async Task<TResponse> ClientStreamAsync<TRequest, TResponse>(string service, string endpoint, IAsyncEnumerable<TRequest> requests,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(requests);
        var (invoker, method, callOptions) = await PrepareStreamAsync<TRequest, TResponse>(service, endpoint, options, MethodType.ClientStreaming, cancellationToken).ConfigureAwait(false);
        using var call = invoker.AsyncClientStreamingCall(method, null, callOptions);
        try
        {
            await foreach (var request in requests.WithCancellation(cancellationToken).ConfigureAwait(false))
                await call.RequestStream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw GrpcErrorMapping.FromRpcException(e, service, endpoint);
        }
    }

    /// <summary>Streams go to one node, chosen once; they get a deadline only when the call asks for one.</summary>
    private async Task<(CallInvoker, Method<TRequest, TResponse>, Grpc.Core.CallOptions)> PrepareStreamAsync<TRequest, TResponse>(
        string service, string endpoint, CallOptions? options, MethodType type, CancellationToken cancellationToken)
        where TRequest : class where TResponse : class
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        options ??= CallOptions.Default;
        var (requestCodec, responseCodec) = CodecsFor<TRequest, TResponse>(options);
        var method = MethodCache<TRequest, TResponse>.Get(service, endpoint, requestCodec, responseCodec, type);
        DateTime? deadline = options.Timeout is { } timeout ? _time.GetUtcNow().UtcDateTime + timeout : null;
        var node = await PickNodeAsync(service, endpoint, options, null, cancellationToken).ConfigureAwait(false);
        var headers = _credentials is null ? Headers(options) : await AuthorizedHeadersAsync(service, options, cancellationToken).ConfigureAwait(false);
        return (_channels.Get(service, node), method, new Grpc.Core.CallOptions(headers, deadline, cancellationToken));
    }

    private (ICodec Request, ICodec Response) CodecsFor<TRequest, TResponse>(CallOptions options)
    {
        if (options.ContentType is null) return (_codecs.For<TRequest>(), _codecs.For<TResponse>());
        var codec = _codecs.Get(options.ContentType);
        return (codec, codec);
    }

    private static Metadata? Headers(CallOptions options)
    {
        if (options.Metadata is null && options.ContentType is null) return null;
        var headers = new Metadata();
        if (options.Metadata is not null)
            foreach (var (key, value) in options.Metadata) headers.Add(key.ToLowerInvariant(), value);
        if (options.ContentType is not null) headers.Add(CallCodec.Header, options.ContentType);
        return headers;
    }

    /// <summary>
    /// The headers plus <c>authorization</c> from the credentials (the service's own token for this
    /// callee), unless the call carries its own (e.g. a forwarded user token).
    /// </summary>
    private async ValueTask<Metadata?> AuthorizedHeadersAsync(string service, CallOptions options, CancellationToken cancellationToken)
    {
        if (options.Metadata is not null && options.Metadata.Keys.Any(k => k.Equals(Auth.BearerToken.Header, StringComparison.OrdinalIgnoreCase)))
            return Headers(options);
        var authorization = await _credentials!.GetAuthorizationAsync(service, cancellationToken).ConfigureAwait(false);
        var headers = Headers(options);
        if (authorization is null) return headers;
        headers ??= new Metadata();
        headers.Add(Auth.BearerToken.Header, authorization);
        return headers;
    }

    private async ValueTask<NodeInfo> PickNodeAsync(string service, string endpoint, CallOptions options, List<NodeInfo>? tried, CancellationToken cancellationToken)
    {
        if (options.Address is not null) return new NodeInfo { Id = options.Address, Address = options.Address };
        var cached = await _cache.GetAsync(service, cancellationToken).ConfigureAwait(false);
        if (cached.Nodes.Count == 0)
            throw MicroException.NotFound(ErrorCodes.ServiceNotFound, $"service {service} not found in the {Registry.Name} registry");
        if (cached.Endpoints is not null && !cached.Endpoints.Contains(endpoint))
            throw MicroException.NotFound(ErrorCodes.EndpointNotFound, $"{service} has no endpoint {endpoint}");

        IReadOnlyList<NodeInfo> candidates = cached.Nodes;
        if (options.NodeFilter is not null || tried is not null || Health.AnyFailed)
        {
            var eligible = cached.Nodes.Where(n => (options.NodeFilter is null || options.NodeFilter(n)) && (tried is null || !tried.Exists(t => t.Id == n.Id))).ToList();
            var healthy = eligible.Where(n => !Health.IsFailed(n.Id)).ToList();
            // When every node is in quarantine, trying one beats failing outright.
            candidates = healthy.Count > 0 ? healthy : eligible;
            if (candidates.Count == 0)
            {
                if (tried is not null) _cache.Invalidate(service);
                throw MicroException.Unavailable(ErrorCodes.Unavailable,
                    tried is null ? $"no node of {service} matches the call's node filter" : $"every node of {service} failed");
            }
        }
        return _selector.Select(service, candidates);
    }

    /// <summary>Failures where the handler did not answer: refused, reset, or the node shutting down.</summary>
    private static bool IsTransportFailure(RpcException e) => e.StatusCode switch
    {
        StatusCode.Unavailable => true,
        StatusCode.Internal => e.Trailers.GetValue(GrpcErrorMapping.TrailerKey) is null && e.Status.DebugException is not null,
        _ => false,
    };

    internal void OwnedBy(IAsyncDisposable owner) => _owner = owner;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _cache.DisposeAsync().ConfigureAwait(false);
        _channels.Dispose();
        if (_owner is not null) await _owner.DisposeAsync().ConfigureAwait(false);
    }
}
