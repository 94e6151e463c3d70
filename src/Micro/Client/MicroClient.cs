using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using Micro.Broker;
using Micro.Client.Internal;
using Micro.Codec;
using Micro.Errors;
using Micro.Internal;
using Micro.Middleware;
using Micro.Registry;
using Micro.Selector;
using Micro.Server;
using Micro.Server.Internal;
using Micro.Telemetry;

namespace Micro.Client;

/// <summary>
/// The default <see cref="IMicroClient"/>: registry lookup (cached, kept fresh by Watch), node selection with feedback,
/// deadline (inherited from the call being served), retry on a different node only when safe, failed-node quarantine,
/// codec by type or per call.
/// </summary>
public sealed partial class MicroClient : IMicroClient, IAsyncDisposable
{
    private readonly ISelector _selector;
    private readonly CodecRegistry _codecs;
    private readonly ClientOptions _options;
    private readonly IClientMiddleware[] _middleware;
    private readonly Telemetry.ClientTelemetryMiddleware? _tracing; // telemetry: first in the pipeline, run by the client itself (CallTrace, ThroughMiddlewareAsync)
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Type, Type), ClientCallHandler> _unaryPipelines = new();
    private readonly TimeProvider _time;
    private readonly RegistryCache _cache;
    private readonly ChannelPool _channels;
    private readonly SharedTimeouts _defaultTimeouts;
    private readonly Auth.ICallCredentials? _credentials;
    private volatile AuthHeaders? _authHeaders;

    private sealed record AuthHeaders(string Authorization, Metadata Headers);
    private IAsyncDisposable? _owner;
    private int _disposed;

    /// <summary>A client over <paramref name="registry"/>; every other piece has a default.</summary>
    public MicroClient(IRegistry registry, ISelector? selector = null, CodecRegistry? codecs = null, ClientOptions? options = null,
        IEnumerable<IClientMiddleware>? middleware = null, TimeProvider? time = null, Auth.ICallCredentials? credentials = null,
        Identity.TransportSecurity? security = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _options = options ?? new ClientOptions();
        var problems = _options.Validate().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(options));
        _time = time ?? TimeProvider.System;
        _selector = selector ?? new PowerOfTwoChoicesSelector(_time);
        _codecs = codecs ?? new CodecRegistry();
        _middleware = middleware?.ToArray() ?? [];
        _tracing = _middleware is [Telemetry.ClientTelemetryMiddleware tracing, ..] ? tracing : null;
        Health = new NodeHealth(_time) { Quarantine = _options.Quarantine };
        _cache = new RegistryCache(registry, _options.CacheTtl, _time);
        _channels = new ChannelPool(_options, _time, security);
        _defaultTimeouts = new SharedTimeouts(_time);
        Registry = registry;
        _credentials = credentials;
    }

    /// <summary>Where services are looked up.</summary>
    public IRegistry Registry { get; }

    /// <summary>Attempt spans, retry/quarantine metrics and log events (a client built by hand traces attempts only).</summary>
    internal Telemetry.ClientTelemetry Telemetry
    {
        get => _telemetry;
        init
        {
            _telemetry = value;
            _cache.Changed = value.RegistryChanged;
            value.ObserveNodes(_cache.NodeCounts);
        }
    }

    private readonly Telemetry.ClientTelemetry _telemetry = Micro.Telemetry.ClientTelemetry.Untracked;

    /// <summary>The selector that picks nodes.</summary>
    public ISelector Selector => _selector;

    /// <summary>Which nodes (by address) are being skipped after failures, for <see cref="ClientOptions.Quarantine"/>.</summary>
    internal NodeHealth Health { get; }

    /// <summary>How many node channels are open (idle ones close after a few minutes).</summary>
    internal int OpenChannels => _channels.Count;

    /// <inheritdoc/>
    public Task<TResponse> CallAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string service, string endpoint, TRequest request,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        options ??= CallOptions.Default;
        if (_middleware.Length == 0) return InvokeAsync<TRequest, TResponse, NoCallTrace>(service, endpoint, request, options, cancellationToken, default);
        // Telemetry alone (a client from the container, no middleware of the application's): no pipeline to run, so
        // no ClientCall and no async layer to adapt the response to object; nothing at all while nobody listens.
        if (_middleware.Length == 1 && _tracing is { } tracing)
            return (tracing.Active ? InvokeAsync<TRequest, TResponse, CallTrace>(service, endpoint, request, options, cancellationToken, new CallTrace(tracing))
                : InvokeAsync<TRequest, TResponse, NoCallTrace>(service, endpoint, request, options, cancellationToken, default));
        return ThroughMiddlewareAsync<TResponse>(new ClientCall(service, endpoint, request, options, cancellationToken), UnaryPipeline<TRequest, TResponse>());
    }

    /// <summary>
    /// The middleware wrapped around unary calls of one request/response type pair: composed once per pair, not on every
    /// call (each layer would otherwise cost a closure and a delegate per call).
    /// </summary>
    private ClientCallHandler UnaryPipeline<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>() where TRequest : class where TResponse : class
    {
        var key = (typeof(TRequest), typeof(TResponse));
        if (_unaryPipelines.TryGetValue(key, out var pipeline)) return pipeline;
        return _unaryPipelines.GetOrAdd(key, Compose(
            async c => await InvokeAsync<TRequest, TResponse, NoCallTrace>(c.Service, c.Endpoint, (TRequest)c.Request!, c.Options, c.CancellationToken, default).ConfigureAwait(false)));
    }

    private ClientCallHandler Compose(ClientCallHandler terminal)
    {
        var next = terminal;
        for (var i = _middleware.Length - 1; i >= (_tracing is null ? 0 : 1); i--)
        {
            var middleware = _middleware[i];
            var inner = next;
            next = c => middleware.InvokeAsync(c, inner);
        }
        return next;
    }

    /// <summary>
    /// Runs <paramref name="pipeline"/> (the middleware already composed around the call), inside the telemetry
    /// middleware's span when it is first: run here, it costs no async layer of its own.
    /// </summary>
    private async Task<T> ThroughMiddlewareAsync<T>(ClientCall call, ClientCallHandler pipeline)
    {
        var scope = _tracing?.Begin(call.Service, call.Endpoint, call.Kind) ?? default;
        try
        {
            var result = (T)(await pipeline(call).ConfigureAwait(false))!;
            _tracing?.End(scope, result, null);
            return result;
        }
        catch (Exception e)
        {
            _tracing?.End(scope, null, e);
            if (e is MicroException micro) micro.RaisedByClient = true;
            throw;
        }
    }

    // A Task, not a pooled ValueTask: the caller awaits a Task in any case, and the Task that is the call's state saves the
    // wrapper (and one continuation hop) that adapting a pooled ValueTask to a Task costs every call.
    private async Task<TResponse> InvokeAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse,
        TTrace>(string service, string endpoint, TRequest request,
        CallOptions options, CancellationToken cancellationToken, TTrace trace)
        where TRequest : class where TResponse : class where TTrace : struct, ICallTrace
    {
        trace.Begin(service, endpoint);
        CancellationTokenSource? linked = null, localLinked = null;
        try
        {
            // A call without its own timeout keeps the client's default itself (SharedTimeouts), unless it inherits a
            // deadline: milliseconds do not matter to it, so it starts from the coarse wall clock.
            var callStart = options.Timeout is null ? CoarseClock.UtcNow(_time) : _time.GetUtcNow().UtcDateTime;
            var deadline = callStart + (options.Timeout ?? _options.Timeout);
            var inherited = false;
            linked = Inherit(options, ref deadline, ref inherited, ref cancellationToken);
            // Only a call that may outlast the idle sweep needs to hold the channel open (streams always do); an attempt
            // ends no later than the call.
            var hold = deadline - callStart >= ChannelPool.IdleTimeout;
            // The default timeout is the client's own guard, not sent (SharedTimeouts); a timeout the call sets or inherits is.
            var localDeadline = !inherited && options.Timeout is null;
            // Awaits that nearly always complete at once are awaited as a Task when they do not: the call's state then keeps
            // an 8-byte awaiter for them instead of a ValueTask's (every call allocates that state).
            Metadata? headers;
            if (_credentials is null) headers = Headers(options, inherited ? deadline : null);
            else
            {
                var authorized = AuthorizedHeadersAsync(service, options, inherited ? deadline : null, cancellationToken);
                headers = authorized.IsCompletedSuccessfully ? authorized.Result : await authorized.AsTask().ConfigureAwait(false);
            }
            var retries = options.Address is null ? options.Retries ?? _options.Retries : 0;
            var timeout = CancellationToken.None;
            if (localDeadline)
            {
                timeout = _defaultTimeouts.At(deadline);
                if (cancellationToken.CanBeCanceled) localLinked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout);
            }
            List<string>? tried = null;
            for (var attempt = 0; ; attempt++)
            {
                var pick = PickNodeAsync(service, endpoint, options, tried, cancellationToken);
                var (node, publishedIdempotent) = pick.IsCompletedSuccessfully ? pick.Result : await pick.AsTask().ConfigureAwait(false);
                var idempotent = options.Idempotent ?? publishedIdempotent;
                var attemptDeadline = attempt < retries && idempotent ? AttemptDeadline(deadline) : deadline;
                var local = localDeadline && attemptDeadline == deadline;
                var channel = _channels.Get(service, node);
                var started = Stopwatch.GetTimestamp();
                var span = trace.StartAttempt(_telemetry, service, endpoint, node, attempt); // telemetry: the attempt's span
                if (hold) channel.Enter();
                // Assigned after the await on every path, so none of them is kept in the call's state across it.
                AttemptFailure failure;
                RpcException? rpc;
                TResponse? response;
                // Disposed only when it failed: a unary call that answered has cleaned up after itself when its response
                // was read (grpc-dotnet's FinishResponse), and disposing it again costs every call a second cleanup.
                AsyncUnaryCall<TResponse>? call = null;
                try
                {
                    // Looked up per attempt (a reference compare when cached) rather than kept in the call's state.
                    var (requestCodec, responseCodec) = CodecsFor<TRequest, TResponse>(options);
                    var method = MethodCache<TRequest, TResponse>.Get(service, endpoint, requestCodec, responseCodec, MethodType.Unary);
                    call = channel.Invoker.AsyncUnaryCall(method, null, new Grpc.Core.CallOptions(
                        Micro.Telemetry.TraceContext.InjectForUnaryStart(span.Propagated, headers), local ? null : attemptDeadline, local ? localLinked?.Token ?? timeout : cancellationToken), request);
                    response = await call.ResponseAsync.ConfigureAwait(false);
                    rpc = null;
                    failure = default;
                    call = null;
                }
                catch (RpcException e)
                {
                    response = null;
                    // The shared timeout cancels the call; to the caller that is its deadline passing, as if gRPC had kept it.
                    rpc = local && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                        ? new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded", e.Status.DebugException)) : e;
                    failure = AttemptFailures.Classify(rpc, cancellationToken);
                }
                catch (Exception e)
                {
                    _selector.Report(service, node, CallOutcome.Abandoned, Stopwatch.GetElapsedTime(started));
                    _telemetry.EndAttempt(span, e, service, endpoint, node, attempt, started);
                    throw;
                }
                finally
                {
                    call?.Dispose();
                    if (hold) channel.Exit();
                }
                // Outside the transport's try: a listener that throws while the spans end cannot make this answer count
                // as the node's failure.
                if (rpc is null)
                {
                    _selector.Report(service, node, CallOutcome.Success, Stopwatch.GetElapsedTime(started));
                    _telemetry.EndAttempt(span, null, service, endpoint, node, attempt, started);
                    trace.End(response, null);
                    return response!;
                }
                _selector.Report(service, node, Outcome(failure), Stopwatch.GetElapsedTime(started));
                _telemetry.EndAttempt(span, rpc, service, endpoint, node, attempt, started);

                if (failure == AttemptFailure.Cancelled) cancellationToken.ThrowIfCancellationRequested();
                if (failure is AttemptFailure.NotRun or AttemptFailure.Lost) Health.MarkFailed(node.Address);
                var error = ErrorFor(rpc, failure, service, endpoint, deadline);
                if (failure is AttemptFailure.NotRun or AttemptFailure.Lost) _telemetry.Quarantined(service, node, Health.Quarantine, error.Id);
                var retryable = failure == AttemptFailure.NotRun
                    || (idempotent && failure is AttemptFailure.Lost or AttemptFailure.HandlerUnavailable or AttemptFailure.Undecodable);
                if (!retryable || attempt >= retries) throw error;
                _telemetry.Retrying(service, endpoint, attempt, node, error.Id);
                (tried ??= []).Add(node.Address);
                var pause = _options.Backoff * (1 << Math.Min(attempt, 10));
                if (deadline - _time.GetUtcNow().UtcDateTime <= pause) throw error;
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            if (e is MicroException micro) micro.RaisedByClient = true;
            trace.End(null, e);
            throw;
        }
        finally
        {
            localLinked?.Dispose();
            linked?.Dispose();
        }
    }

    /// <summary>An idempotent attempt that has retries left may use half the remaining budget (or <see cref="ClientOptions.AttemptTimeout"/>).</summary>
    private DateTime AttemptDeadline(DateTime deadline)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var left = deadline - now;
        var budget = _options.AttemptTimeout is { } fixedBudget && fixedBudget < left ? fixedBudget : left / 2;
        return now + budget;
    }

    /// <summary>A call made while serving another one inherits its deadline and cancellation.</summary>
    private static CancellationTokenSource? Inherit(CallOptions options, ref DateTime deadline, ref bool inheritedDeadline, ref CancellationToken cancellationToken)
    {
        var parent = options.Parent ?? CallContext.Current;
        if (parent is null) return null;
        if (parent.Deadline is { } inherited && inherited < deadline)
        {
            deadline = inherited;
            inheritedDeadline = true;
        }
        var incoming = parent.CancellationToken;
        if (!incoming.CanBeCanceled || incoming == cancellationToken) return null;
        if (!cancellationToken.CanBeCanceled)
        {
            cancellationToken = incoming;
            return null;
        }
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, incoming);
        cancellationToken = linked.Token;
        return linked;
    }

    private static CallOutcome Outcome(AttemptFailure failure) => failure switch
    {
        AttemptFailure.NotRun or AttemptFailure.Lost => CallOutcome.NodeFailure,
        AttemptFailure.Cancelled => CallOutcome.Abandoned,
        _ => CallOutcome.Error,
    };

    private MicroException ErrorFor(RpcException e, AttemptFailure failure, string service, string endpoint, DateTime deadline)
    {
        if (failure == AttemptFailure.Undecodable)
            return new MicroException(ErrorCodes.ResponseMalformed, 502, $"the reply of {service}.{endpoint} could not be decoded as the response type the caller asked for", e);
        // An attempt cut short by its own (smaller) deadline is a node that did not answer, not the call's deadline.
        if (failure == AttemptFailure.Lost && e.StatusCode == StatusCode.DeadlineExceeded && _time.GetUtcNow().UtcDateTime < deadline)
            return new MicroException(ErrorCodes.Unavailable, 503, $"{service}.{endpoint}: the node did not answer in time", e);
        return GrpcErrorMapping.FromRpcException(e, service, endpoint);
    }

    /// <inheritdoc/>
    public async Task<IMicroStream<TRequest, TResponse>> StreamAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string service, string endpoint,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class
    {
        var opened = await OpenStreamAsync(service, endpoint, null, options, ClientCallKind.Duplex, cancellationToken,
            async c =>
            {
                var (channel, method, callOptions, scope) = await PrepareStreamAsync<TRequest, TResponse>(c, MethodType.DuplexStreaming).ConfigureAwait(false);
                return new MicroStream<TRequest, TResponse>(channel.Invoker.AsyncDuplexStreamingCall(method, null, callOptions), c.Service, c.Endpoint, channel, scope);
            }).ConfigureAwait(false);
        return (IMicroStream<TRequest, TResponse>)opened;
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<TResponse> ServerStreamAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string service, string endpoint, TRequest request,
        CallOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class
    {
        var opened = (OpenedServerStream<TResponse>)await OpenStreamAsync(service, endpoint, request, options, ClientCallKind.ServerStream, cancellationToken,
            async c =>
            {
                var (channel, method, callOptions, scope) = await PrepareStreamAsync<TRequest, TResponse>(c, MethodType.ServerStreaming).ConfigureAwait(false);
                return new OpenedServerStream<TResponse>(channel.Invoker.AsyncServerStreamingCall(method, null, callOptions, (TRequest)c.Request!), channel, scope);
            }).ConfigureAwait(false);
        using var _ = opened;
        var call = opened.Call;
        while (true)
        {
            bool more;
            try { more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false); }
            catch (RpcException e) { throw opened.Error = GrpcErrorMapping.FromRpcException(e, service, endpoint); }
            if (!more) yield break;
            yield return call.ResponseStream.Current;
        }
    }

    /// <inheritdoc/>
    public async Task<TResponse> ClientStreamAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string service, string endpoint, IAsyncEnumerable<TRequest> requests,
        CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : class where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(requests);
        var response = await OpenStreamAsync(service, endpoint, requests, options, ClientCallKind.ClientStream, cancellationToken,
            async c =>
            {
                var (channel, method, callOptions, scope) = await PrepareStreamAsync<TRequest, TResponse>(c, MethodType.ClientStreaming).ConfigureAwait(false);
                try
                {
                    using var call = channel.Invoker.AsyncClientStreamingCall(method, null, callOptions);
                    await foreach (var request in ((IAsyncEnumerable<TRequest>)c.Request!).WithCancellation(callOptions.CancellationToken).ConfigureAwait(false))
                        await call.RequestStream.WriteAsync(request, callOptions.CancellationToken).ConfigureAwait(false);
                    await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                    return await call.ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException e)
                {
                    throw GrpcErrorMapping.FromRpcException(e, c.Service, c.Endpoint);
                }
                finally
                {
                    channel.Exit();
                    scope?.Dispose();
                }
            }).ConfigureAwait(false);
        return (TResponse)response;
    }

    /// <summary>Streams run through the client middleware too: for duplex and server streams it wraps opening the stream.</summary>
    private Task<object> OpenStreamAsync(string service, string endpoint, object? request, CallOptions? options, ClientCallKind kind,
        CancellationToken cancellationToken, ClientCallHandler open)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        return ThroughMiddlewareAsync<object>(new ClientCall(service, endpoint, request, options ?? CallOptions.Default, cancellationToken, kind), Compose(open));
    }

    /// <summary>Streams go to one node, chosen once (no retry); they get a deadline only when the call asks for one or inherits one.</summary>
    private async Task<(NodeChannel, Method<TRequest, TResponse>, Grpc.Core.CallOptions, CancellationTokenSource?)> PrepareStreamAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(
        ClientCall c, MethodType type)
        where TRequest : class where TResponse : class
    {
        var options = c.Options;
        var (requestCodec, responseCodec) = CodecsFor<TRequest, TResponse>(options);
        var method = MethodCache<TRequest, TResponse>.Get(c.Service, c.Endpoint, requestCodec, responseCodec, type);
        var deadline = options.Timeout is { } timeout ? _time.GetUtcNow().UtcDateTime + timeout : DateTime.MaxValue;
        var cancellationToken = c.CancellationToken;
        var inherited = false;
        var linked = Inherit(options, ref deadline, ref inherited, ref cancellationToken);
        try
        {
            var headers = _credentials is null ? Headers(options, inherited ? deadline : null)
                : await AuthorizedHeadersAsync(c.Service, options, inherited ? deadline : null, cancellationToken).ConfigureAwait(false);
            var (node, _) = await PickNodeAsync(c.Service, c.Endpoint, options, null, cancellationToken).ConfigureAwait(false);
            // A stream's length says nothing about the node; it is not held against it as a call in flight.
            _selector.Report(c.Service, node, CallOutcome.Abandoned, TimeSpan.Zero);
            var channel = _channels.Get(c.Service, node);
            channel.Enter();
            headers = Micro.Telemetry.TraceContext.Inject(Activity.Current, headers); // telemetry: the stream's server span joins the trace
            return (channel, method, new Grpc.Core.CallOptions(headers, deadline == DateTime.MaxValue ? null : deadline, cancellationToken), linked);
        }
        catch
        {
            linked?.Dispose();
            throw;
        }
    }

    private (ICodec Request, ICodec Response) CodecsFor<TRequest, TResponse>(CallOptions options)
    {
        if (options.ContentType is null) return (_codecs.For<TRequest>(), _codecs.For<TResponse>());
        var codec = _codecs.Get(options.ContentType);
        return (codec, codec);
    }

    private Metadata? Headers(CallOptions options, DateTime? inheritedDeadline)
    {
        if (options.Metadata is null && options.ContentType is null && inheritedDeadline is null) return null;
        var headers = new Metadata();
        if (inheritedDeadline is { } deadline) headers.Add(DeadlineHeader.Name, DeadlineHeader.Format(deadline));
        var size = 0;
        if (options.Metadata is not null)
        {
            foreach (var (key, value) in options.Metadata)
            {
                headers.Add(key.ToLowerInvariant(), value);
                size += key.Length + value.Length + 32; // HPACK's accounting (RFC 7541 §4.1)
            }
        }
        if (size > _options.MaxMetadataSize)
            throw new MicroException(ErrorCodes.MetadataTooLarge, 431,
                $"call metadata is {size} bytes, over the limit of {_options.MaxMetadataSize} (Micro:Client:MaxMetadataSize; servers accept Micro:Server:MaxHeaderSize)");
        if (options.ContentType is not null) headers.Add(CallCodec.Header, options.ContentType);
        return headers;
    }

    /// <summary>
    /// The headers plus <c>authorization</c> from the credentials (the service's own token for this
    /// callee), unless the call carries its own (e.g. a forwarded user token).
    /// </summary>
    private async ValueTask<Metadata?> AuthorizedHeadersAsync(string service, CallOptions options, DateTime? inheritedDeadline, CancellationToken cancellationToken)
    {
        if (options.Metadata is not null && options.Metadata.Keys.Any(k => k.Equals(Auth.BearerToken.Header, StringComparison.OrdinalIgnoreCase)))
            return Headers(options, inheritedDeadline);
        var authorization = await _credentials!.GetAuthorizationAsync(service, cancellationToken).ConfigureAwait(false);
        if (authorization is null) return Headers(options, inheritedDeadline);
        if (options.Metadata is null && options.ContentType is null && inheritedDeadline is null)
        {
            // The common case: only the token. One Metadata per token (grpc-dotnet only reads it), not per call.
            var shared = _authHeaders;
            if (shared is not null && ReferenceEquals(shared.Authorization, authorization)) return shared.Headers;
            var fresh = new Metadata { { Auth.BearerToken.Header, authorization } };
            _authHeaders = new AuthHeaders(authorization, fresh);
            return fresh;
        }
        var headers = Headers(options, inheritedDeadline) ?? new Metadata();
        headers.Add(Auth.BearerToken.Header, authorization);
        return headers;
    }

    private ValueTask<(NodeInfo Node, bool Idempotent)> PickNodeAsync(string service, string endpoint, CallOptions options, List<string>? tried,
        CancellationToken cancellationToken, bool lookedAgain = false)
    {
        if (options.Address is not null) return new((new NodeInfo { Id = options.Address, Address = options.Address }, false));
        // The registry answer is nearly always cached: then the pick is not async at all (every call picks).
        var lookup = _cache.GetAsync(service, cancellationToken);
        if (!lookup.IsCompletedSuccessfully) return PickLookedUpAsync(lookup, service, endpoint, options, tried, cancellationToken, lookedAgain);
        return Pick(lookup.Result, service, endpoint, options, tried) is { } picked ? new(picked)
            : LookAgain(service, endpoint, options, tried!, cancellationToken, lookedAgain);
    }

    private async ValueTask<(NodeInfo Node, bool Idempotent)> PickLookedUpAsync(ValueTask<CachedService> lookup, string service, string endpoint,
        CallOptions options, List<string>? tried, CancellationToken cancellationToken, bool lookedAgain)
    {
        var cached = await lookup.ConfigureAwait(false);
        return Pick(cached, service, endpoint, options, tried)
            ?? await LookAgain(service, endpoint, options, tried!, cancellationToken, lookedAgain).ConfigureAwait(false);
    }

    /// <summary>
    /// Every node we knew failed (e.g. impostors refused by mTLS, whose mDNS answers came first): the registry may know
    /// more by now; look once more before giving up.
    /// </summary>
    private ValueTask<(NodeInfo Node, bool Idempotent)> LookAgain(string service, string endpoint, CallOptions options, List<string> tried,
        CancellationToken cancellationToken, bool lookedAgain)
    {
        _cache.Invalidate(service);
        if (!lookedAgain) return PickNodeAsync(service, endpoint, options, tried, cancellationToken, lookedAgain: true);
        throw MicroException.Unavailable(ErrorCodes.Unavailable, $"every node of {service} failed");
    }

    /// <summary>A node of <paramref name="cached"/> for this call; null when every node was tried (the caller looks again).</summary>
    private (NodeInfo Node, bool Idempotent)? Pick(CachedService cached, string service, string endpoint, CallOptions options, List<string>? tried)
    {
        if (cached.Nodes.Count == 0)
            throw MicroException.NotFound(ErrorCodes.ServiceNotFound, $"service {service} not found in the {Registry.Name} registry");
        if (cached.Endpoints is not null && !cached.Endpoints.Contains(endpoint))
            throw MicroException.NotFound(ErrorCodes.EndpointNotFound, $"{service} has no endpoint {endpoint}");
        var idempotent = cached.Idempotent.Count > 0 && cached.Idempotent.Contains(endpoint);

        IReadOnlyList<NodeInfo> candidates = cached.Nodes;
        if (options.NodeFilter is not null || tried is not null || Health.AnyFailed)
        {
            candidates = Candidates(cached.Nodes, options.NodeFilter, tried);
            if (candidates.Count == 0)
            {
                if (tried is not null) return null;
                throw MicroException.Unavailable(ErrorCodes.Unavailable, $"no node of {service} matches the call's node filter");
            }
        }
        return (_selector.Select(service, candidates), idempotent);
    }

    /// <summary>
    /// The nodes a call may go to. A method of its own: the lambdas' captures would otherwise be allocated on every call
    /// of <see cref="PickNodeAsync"/>, filtered or not.
    /// </summary>
    private List<NodeInfo> Candidates(IReadOnlyList<NodeInfo> nodes, Func<NodeInfo, bool>? filter, List<string>? tried)
    {
        // Retries go to a different address: two registrations of one process (a restart under a new id) are one node.
        var eligible = nodes.Where(n => (filter is null || filter(n)) && (tried is null || !tried.Contains(n.Address))).ToList();
        var healthy = eligible.Where(n => !Health.IsFailed(n.Address)).ToList();
        // When every node is in quarantine, trying one beats failing outright.
        return healthy.Count > 0 ? healthy : eligible;
    }

    /// <summary>Encodes and publishes messages; set by <c>AddMicro</c> (the broker is opened on first publish).</summary>
    public MessagePublisher? Publisher { get; set; }

    /// <inheritdoc/>
    public ValueTask PublishAsync<T>(string topic, T message, PublishOptions? options = null, CancellationToken cancellationToken = default) =>
        (Publisher ?? throw new InvalidOperationException("this client has no broker: build it with services.AddMicro() or set Publisher"))
            .PublishAsync(topic, message, options, cancellationToken);

    internal void OwnedBy(IAsyncDisposable owner) => _owner = owner;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _cache.DisposeAsync().ConfigureAwait(false);
        _channels.Dispose();
        if (_owner is not null) await _owner.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A server stream and what it holds until the caller stops reading.</summary>
    private sealed class OpenedServerStream<TResponse>(AsyncServerStreamingCall<TResponse> call, NodeChannel channel, CancellationTokenSource? scope) : IDisposable, IStreamEnd
    {
        private Action<Exception?>? _ended;

        public AsyncServerStreamingCall<TResponse> Call { get; } = call;

        /// <summary>What reading the stream failed with, for telemetry.</summary>
        public MicroException? Error { get; set; }

        public void OnEnded(Action<Exception?> ended) => _ended = ended;

        public void Dispose()
        {
            Call.Dispose();
            channel.Exit();
            scope?.Dispose();
            _ended?.Invoke(Error);
        }
    }
}
