using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Micro.Codec;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>A client streaming endpoint: a stream of requests, one response.</summary>
internal sealed class ClientStreamHandlerDescriptor<
    [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
    [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(
    string endpoint, Func<IAsyncEnumerable<TRequest>, CallContext, Task<TResponse>> handler)
    : HandlerDescriptor(endpoint, typeof(TRequest), typeof(TResponse), stream: "client",
        ProtobufCodec.ProtobufFactory<TRequest>.DescriptorOrNull, ProtobufCodec.ProtobufFactory<TResponse>.DescriptorOrNull)
    where TRequest : class where TResponse : class
{
    protected override ICodec NaturalCodec(HandlerEnvironment env) => env.Codecs.For<TRequest>();

    public override void Bind(ServiceMethodProviderContext<MicroGrpcService> context, HandlerEnvironment env) =>
        context.AddClientStreamingMethod(CreateMethod<TRequest, TResponse>(env, MethodType.ClientStreaming), [],
            async (_, requests, grpc) =>
            {
                TResponse? response = null;
                await ServeStreamAsync(grpc, env, async call => response = await handler(requests.ReadAllAsync(grpc.CancellationToken), call).ConfigureAwait(false)).ConfigureAwait(false);
                return response!;
            });

    public override ValueTask ServeHttpAsync(HttpContext http, ICodec codec, ReadOnlySequence<byte> body, HandlerEnvironment env) => StreamsNeedGrpc();
}
