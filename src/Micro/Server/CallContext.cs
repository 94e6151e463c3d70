namespace Micro.Server;

/// <summary>What a handler knows about the call it serves.</summary>
public sealed class CallContext
{
    private readonly Func<object, IReadOnlyDictionary<string, string>> _metadata;
    private readonly object _metadataSource;
    private IReadOnlyDictionary<string, string>? _cached;

    /// <param name="metadata">Builds the metadata from <paramref name="metadataSource"/> on first use (no closure per call).</param>
    public CallContext(string service, string endpoint, string contentType, DateTime? deadline,
        Func<object, IReadOnlyDictionary<string, string>> metadata, object metadataSource, CancellationToken cancellationToken, IServiceProvider services)
    {
        Service = service;
        Endpoint = endpoint;
        ContentType = contentType;
        Deadline = deadline;
        _metadata = metadata;
        _metadataSource = metadataSource;
        CancellationToken = cancellationToken;
        Services = services;
    }

    public string Service { get; }

    /// <summary>e.g. <c>Greeter.Hello</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The codec's media type the request arrived in.</summary>
    public string ContentType { get; }

    /// <summary>When the caller stops waiting (UTC); null when it set no deadline.</summary>
    public DateTime? Deadline { get; }

    /// <summary>Fires when the caller cancels, the deadline passes, or the connection drops.</summary>
    public CancellationToken CancellationToken { get; }

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

    /// <summary>The service's DI container (singletons; handlers needing scoped services create a scope).</summary>
    public IServiceProvider Services { get; }
}
