using System.Collections.Concurrent;
using Grpc.Core;
using Micro.Codec;
using Micro.Server;

namespace Micro.Client.Internal;

/// <summary>gRPC method descriptors are immutable; build each (service, endpoint, codec) once.</summary>
internal static class MethodCache<TRequest, TResponse>
    where TRequest : class where TResponse : class
{
    private static readonly ConcurrentDictionary<(string Service, string Endpoint, ICodec Codec, MethodType Type), Method<TRequest, TResponse>> s_methods = new();

    public static Method<TRequest, TResponse> Get(string service, string endpoint, ICodec requestCodec, ICodec responseCodec, MethodType type)
    {
        if (s_methods.TryGetValue((service, endpoint, requestCodec, type), out var method)) return method;
        var path = EndpointPath.For(service, endpoint);
        method = new Method<TRequest, TResponse>(type, path.GrpcService, path.Method,
            CodecMarshaller.Create<TRequest>(requestCodec), CodecMarshaller.Create<TResponse>(responseCodec));
        return s_methods.GetOrAdd((service, endpoint, requestCodec, type), method);
    }
}
