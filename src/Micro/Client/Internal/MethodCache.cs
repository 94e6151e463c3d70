using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using Micro.Codec;
using Micro.Server;

namespace Micro.Client.Internal;

/// <summary>
/// gRPC method descriptors are immutable; build each (service, endpoint, request codec, response codec, kind) once.
/// Bounded: a process that calls ever new endpoints starts over rather than growing without end.
/// </summary>
internal static class MethodCache<
    [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
    [DynamicallyAccessedMembers(MessageType.Members)] TResponse>
    where TRequest : class where TResponse : class
{
    public const int MaxEntries = 1024;
    private static readonly ConcurrentDictionary<(string Service, string Endpoint, ICodec Request, ICodec Response, MethodType Type), Entry> s_methods = new();

    // The descriptor asked for last: a client mostly calls the same endpoint with the same literals, and comparing
    // references is cheaper than hashing two strings per call. Racy by design (a stale or missed hit is still right).
    private static Entry? s_last;

    public static int Count => s_methods.Count;

    public static Method<TRequest, TResponse> Get(string service, string endpoint, ICodec requestCodec, ICodec responseCodec, MethodType type)
    {
        if (s_last is { } last && ReferenceEquals(last.Service, service) && ReferenceEquals(last.Endpoint, endpoint)
            && ReferenceEquals(last.Request, requestCodec) && ReferenceEquals(last.Response, responseCodec) && last.Type == type)
            return last.Method;
        var key = (service, endpoint, requestCodec, responseCodec, type);
        if (!s_methods.TryGetValue(key, out var entry))
        {
            var path = EndpointPath.For(service, endpoint);
            var method = new Method<TRequest, TResponse>(type, path.GrpcService, path.Method,
                CodecMarshaller.Create<TRequest>(requestCodec), CodecMarshaller.Response<TResponse>(responseCodec));
            if (s_methods.Count >= MaxEntries) s_methods.Clear();
            entry = s_methods.GetOrAdd(key, new Entry(service, endpoint, requestCodec, responseCodec, type, method));
        }
        s_last = entry;
        return entry.Method;
    }

    private sealed record Entry(string Service, string Endpoint, ICodec Request, ICodec Response, MethodType Type, Method<TRequest, TResponse> Method);
}
