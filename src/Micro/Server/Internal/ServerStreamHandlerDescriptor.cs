using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Micro.Codec;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>A server streaming endpoint: one request, a stream of responses.</summary>
internal sealed class ServerStreamHandlerDescriptor<
    [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
    [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(
    string endpoint, Func<TRequest, IStreamWriter<TResponse>, CallContext, Task> handler)
    : HandlerDescriptor(endpoint, typeof(TRequest), typeof(TResponse), stream: "server",
        ProtobufCodec.ProtobufFactory<TRequest>.DescriptorOrNull, ProtobufCodec.ProtobufFactory<TResponse>.DescriptorOrNull)
    where TRequest : class where TResponse : class
{
    protected override ICodec NaturalCodec(HandlerEnvironment env) => env.Codecs.For<TRequest>();

    public override void Bind(ServiceMethodProviderContext<MicroGrpcService> context, HandlerEnvironment env) =>
        context.AddServerStreamingMethod(CreateMethod<TRequest, TResponse>(env, MethodType.ServerStreaming), [],
            (_, request, responses, grpc) => ServeStreamAsync(grpc, env,
                call => handler(request, new GrpcStreamWriter<TResponse>(responses), call)));

    public override ValueTask ServeHttpAsync(HttpContext http, ICodec codec, ReadOnlySequence<byte> body, HandlerEnvironment env) => StreamsNeedGrpc();
}
