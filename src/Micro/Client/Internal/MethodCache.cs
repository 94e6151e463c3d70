using System.Collections.Concurrent;
using Grpc.Core;
using Micro.Codec;
using Micro.Server;

namespace Micro.Client.Internal;

/// <summary>
/// gRPC method descriptors are immutable; build each (service, endpoint, request codec, response codec, kind) once.
/// Bounded: a process that calls ever new endpoints starts over rather than growing without end.
/// </summary>
internal static class MethodCache<TRequest, TResponse>
    where TRequest : class where TResponse : class
{
    public const int MaxEntries = 1024;
    private static readonly ConcurrentDictionary<(string Service, string Endpoint, ICodec Request, ICodec Response, MethodType Type), Method<TRequest, TResponse>> s_methods = new();

    public static int Count => s_methods.Count;

    public static Method<TRequest, TResponse> Get(string service, string endpoint, ICodec requestCodec, ICodec responseCodec, MethodType type)
    {
        var key = (service, endpoint, requestCodec, responseCodec, type);
        if (s_methods.TryGetValue(key, out var method)) return method;
        var path = EndpointPath.For(service, endpoint);
        method = new Method<TRequest, TResponse>(type, path.GrpcService, path.Method,
            CodecMarshaller.Create<TRequest>(requestCodec), CodecMarshaller.Response<TResponse>(responseCodec));
        if (s_methods.Count >= MaxEntries) s_methods.Clear();
        return s_methods.GetOrAdd(key, method);
    }
}
