using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Micro.Codec;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>A bidirectional streaming endpoint: requests and responses flow independently until either side completes.</summary>
internal sealed class DuplexHandlerDescriptor<
    [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
    [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(
    string endpoint, Func<IAsyncEnumerable<TRequest>, IStreamWriter<TResponse>, CallContext, Task> handler)
    : HandlerDescriptor(endpoint, typeof(TRequest), typeof(TResponse), stream: "bidi",
        ProtobufCodec.ProtobufFactory<TRequest>.DescriptorOrNull, ProtobufCodec.ProtobufFactory<TResponse>.DescriptorOrNull)
    where TRequest : class where TResponse : class
{
    protected override ICodec NaturalCodec(HandlerEnvironment env) => env.Codecs.For<TRequest>();

    public override void Bind(ServiceMethodProviderContext<MicroGrpcService> context, HandlerEnvironment env) =>
        context.AddDuplexStreamingMethod(CreateMethod<TRequest, TResponse>(env, MethodType.DuplexStreaming), [],
            (_, requests, responses, grpc) => ServeStreamAsync(grpc, env,
                call => handler(requests.ReadAllAsync(grpc.CancellationToken), new GrpcStreamWriter<TResponse>(responses), call)));

    public override ValueTask ServeHttpAsync(HttpContext http, ICodec codec, ReadOnlySequence<byte> body, HandlerEnvironment env) => StreamsNeedGrpc();
}
