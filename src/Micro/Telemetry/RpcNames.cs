using System.Collections.Concurrent;
using Micro.Server;

namespace Micro.Telemetry;

/// <summary>The names one endpoint goes by in spans and metrics, computed once per (service, endpoint).</summary>
internal sealed class RpcNames
{
    private static readonly ConcurrentDictionary<(string Service, string Endpoint), RpcNames> s_names = new();

    private RpcNames(string service, string endpoint)
    {
        var path = EndpointPath.For(service, endpoint);
        Service = service;
        Endpoint = endpoint;
        GrpcService = path.GrpcService;
        Method = path.Method;
        FullMethod = path.GrpcService + "/" + path.Method;
    }

    public string Service { get; }
    public string Endpoint { get; }
    /// <summary>e.g. <c>greeter.Greeter</c>.</summary>
    public string GrpcService { get; }
    /// <summary>e.g. <c>Hello</c>.</summary>
    public string Method { get; }
    /// <summary>e.g. <c>greeter.Greeter/Hello</c>: the span name and the stable <c>rpc.method</c>.</summary>
    public string FullMethod { get; }

    // Indexed by the RpcConventions value (1-3): the attributes a span of this endpoint starts with.
    private readonly KeyValuePair<string, object?>[]?[] _spanTags = new KeyValuePair<string, object?>[]?[4];

    /// <summary>The attributes every span of this endpoint starts with, built once per generation of conventions.</summary>
    public KeyValuePair<string, object?>[] SpanTags(RpcConventions conventions) =>
        _spanTags[(int)conventions] ??= RpcSpan.Tags(this, conventions);

    // The endpoint named last: a process mostly calls or serves the same few, and two string compares are cheaper than
    // hashing both strings for the dictionary on every call. Racy by design (a stale or missed hit is still right).
    private static RpcNames? s_last;

    public static RpcNames For(string service, string endpoint)
    {
        if (s_last is { } last && last.Endpoint == endpoint && last.Service == service) return last;
        if (s_names.TryGetValue((service, endpoint), out var names)) return s_last = names;
        // Bounded by what a process calls and serves; endpoint names are validated by EndpointPath.
        return s_last = s_names.GetOrAdd((service, endpoint), static key => new RpcNames(key.Service, key.Endpoint));
    }
}
