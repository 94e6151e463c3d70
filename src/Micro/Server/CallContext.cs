using Microsoft.Extensions.DependencyInjection;

namespace Micro.Server;

/// <summary>What a handler knows about the call it serves.</summary>
public sealed class CallContext
{
    private static readonly AsyncLocal<CallContext?> s_current = new();
    private readonly Func<object, IReadOnlyDictionary<string, string>> _metadata;
    private readonly object _metadataSource;
    private readonly IServiceProvider _root;
    private IReadOnlyDictionary<string, string>? _cached;
    private AsyncServiceScope? _scope;

    // metadata builds the metadata from metadataSource on first use (no closure per call).
    internal CallContext(string service, string endpoint, string contentType, DateTime? deadline,
        Func<object, IReadOnlyDictionary<string, string>> metadata, object metadataSource, CancellationToken cancellationToken,
        CancellationToken draining, IServiceProvider services)
    {
        Service = service;
        Endpoint = endpoint;
        ContentType = contentType;
        Deadline = deadline;
        _metadata = metadata;
        _metadataSource = metadataSource;
        CancellationToken = cancellationToken;
        Draining = draining;
        _root = services;
    }

    /// <summary>
    /// The call this code is serving, if any: set for the handler and everything it awaits. The client reads it so a call
    /// made inside a handler inherits the incoming deadline and cancellation (wrap work that must outlive the call in
    /// <see cref="ExecutionContext.SuppressFlow"/>).
    /// </summary>
    public static CallContext? Current
    {
        get => s_current.Value;
        internal set => s_current.Value = value;
    }

    /// <summary>The service being called.</summary>
    public string Service { get; }

    /// <summary>e.g. <c>Greeter.Hello</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The codec's media type the request arrived in.</summary>
    public string ContentType { get; }

    /// <summary>When the caller stops waiting (UTC); null when it sent no deadline (a Micro client's default timeout is not sent).</summary>
    public DateTime? Deadline { get; }

    /// <summary>Fires when the caller cancels, the deadline passes, or the connection drops.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// Fires when this node starts draining (shutdown began): long-running streams should finish their work and end the
    /// stream before the grace period cuts them off. Unary handlers can ignore it.
    /// </summary>
    public CancellationToken Draining { get; }

    /// <summary>The caller's metadata (lower-case keys), built on first use.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _cached ??= _metadata(_metadataSource);

    /// <summary>The calling service as its mTLS certificate proves it; null on h2c calls (see <see cref="Identity.PeerIdentity"/>).</summary>
    public Identity.PeerIdentity? PeerIdentity { get; } = Identity.PeerIdentity.Current;

    /// <summary>One request header (e.g. <c>authorization</c>) read straight from the transport, without building <see cref="Metadata"/>.</summary>
    public string? Header(string key)
    {
        Microsoft.Extensions.Primitives.StringValues value = _metadataSource switch
        {
            Microsoft.AspNetCore.Http.IHeaderDictionary http => http[key],
            Grpc.Core.ServerCallContext grpc => Grpc.Core.ServerCallContextExtensions.GetHttpContext(grpc).Request.Headers[key],
            _ => Metadata.GetValueOrDefault(key),
        };
        return value.Count == 0 ? null : value.ToString();
    }

    /// <summary>The caller's account when auth is on and the caller sent a valid token; null for anonymous callers.</summary>
    public Auth.Account? Account { get; internal set; }

    /// <summary>
    /// Services for this call: a DI scope of its own (a scoped DbContext is this call's alone), created on first use and
    /// disposed when the call ends.
    /// </summary>
    public IServiceProvider Services => (_scope ??= _root.CreateAsyncScope()).ServiceProvider;

    /// <summary>Disposes the call's scope, if the handler asked for one.</summary>
    internal ValueTask EndAsync() => _scope is { } scope ? scope.DisposeAsync() : ValueTask.CompletedTask;
}
