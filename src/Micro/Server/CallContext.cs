using Micro.Server.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Server;

/// <summary>What a handler knows about the call it serves.</summary>
public sealed class CallContext
{
    private static readonly AsyncLocal<CallContext?> s_current = new();
    // One of these per call: what is the same for every call of the endpoint lives in the shared site.
    private readonly EndpointSite _site;
    private readonly object _transport; // the ServerCallContext (gRPC) or the request headers (plain HTTP)
    private IReadOnlyDictionary<string, string>? _metadata;
    private IServiceScope? _scope;

    internal CallContext(EndpointSite site, string contentType, DateTime? deadline, object transport, CancellationToken cancellationToken)
    {
        _site = site;
        ContentType = contentType;
        Deadline = deadline;
        _transport = transport;
        CancellationToken = cancellationToken;
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
    public string Service => _site.Service;

    /// <summary>e.g. <c>Greeter.Hello</c>.</summary>
    public string Endpoint => _site.Endpoint;

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
    public CancellationToken Draining => _site.Draining;

    /// <summary>The caller's metadata (lower-case keys), built on first use.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _metadata ??= _transport switch
    {
        Grpc.Core.ServerCallContext grpc => CallMetadata.From(grpc.RequestHeaders), // copies every header: only when asked
        Microsoft.AspNetCore.Http.IHeaderDictionary http => CallMetadata.From(http),
        _ => new Dictionary<string, string>(),
    };

    /// <summary>The calling service as its mTLS certificate proves it; null on h2c calls (see <see cref="Identity.PeerIdentity"/>).</summary>
    public Identity.PeerIdentity? PeerIdentity { get; } = Identity.PeerIdentity.Current;

    /// <summary>One request header (e.g. <c>authorization</c>) read straight from the transport, without building <see cref="Metadata"/>.</summary>
    public string? Header(string key)
    {
        if (RequestHeaders is not { } headers) return Metadata.GetValueOrDefault(key);
        var value = headers[key];
        return value.Count == 0 ? null : value.ToString();
    }

    /// <summary>The request's HTTP headers as the server received them (both transports), null for a context made by hand.</summary>
    internal Microsoft.AspNetCore.Http.IHeaderDictionary? RequestHeaders => _transport switch
    {
        Microsoft.AspNetCore.Http.IHeaderDictionary http => http,
        Grpc.Core.ServerCallContext grpc => Grpc.Core.ServerCallContextExtensions.GetHttpContext(grpc).Request.Headers,
        _ => null,
    };

    /// <summary>The caller's account when auth is on and the caller sent a valid token; null for anonymous callers.</summary>
    public Auth.Account? Account { get; internal set; }

    /// <summary>
    /// Services for this call: a DI scope of its own (a scoped DbContext is this call's alone), created on first use and
    /// disposed when the call ends.
    /// </summary>
    public IServiceProvider Services => (_scope ??= _site.Services.CreateScope()).ServiceProvider;

    /// <summary>Disposes the call's scope, if the handler asked for one (asynchronously when its services need that).</summary>
    internal ValueTask EndAsync() => _scope is { } scope ? new AsyncServiceScope(scope).DisposeAsync() : ValueTask.CompletedTask;
}
