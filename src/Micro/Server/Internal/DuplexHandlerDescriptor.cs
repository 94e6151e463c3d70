using System.Buffers;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Micro.Codec;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>A bidirectional streaming endpoint: requests and responses flow independently until either side completes.</summary>
internal sealed class DuplexHandlerDescriptor<TRequest, TResponse>(
    string endpoint, Func<IAsyncEnumerable<TRequest>, IStreamWriter<TResponse>, CallContext, Task> handler)
    : HandlerDescriptor(endpoint, typeof(TRequest), typeof(TResponse), stream: "bidi")
    where TRequest : class where TResponse : class
{
    protected override ICodec NaturalCodec(HandlerEnvironment env) => env.Codecs.For<TRequest>();

    public override void Bind(ServiceMethodProviderContext<MicroGrpcService> context, HandlerEnvironment env) =>
        context.AddDuplexStreamingMethod(CreateMethod<TRequest, TResponse>(env, MethodType.DuplexStreaming), [],
            (_, requests, responses, grpc) => ServeStreamAsync(grpc, env,
                call => handler(requests.ReadAllAsync(grpc.CancellationToken), new GrpcStreamWriter<TResponse>(responses), call)));

    public override ValueTask ServeHttpAsync(HttpContext http, ICodec codec, ReadOnlySequence<byte> body, HandlerEnvironment env) => StreamsNeedGrpc();
}

/// <summary>A server streaming endpoint: one request, a stream of responses.</summary>
internal sealed class ServerStreamHandlerDescriptor<TRequest, TResponse>(
    string endpoint, Func<TRequest, IStreamWriter<TResponse>, CallContext, Task> handler)
    : HandlerDescriptor(endpoint, typeof(TRequest), typeof(TResponse), stream: "server")
    where TRequest : class where TResponse : class
{
    protected override ICodec NaturalCodec(HandlerEnvironment env) => env.Codecs.For<TRequest>();

    public override void Bind(ServiceMethodProviderContext<MicroGrpcService> context, HandlerEnvironment env) =>
        context.AddServerStreamingMethod(CreateMethod<TRequest, TResponse>(env, MethodType.ServerStreaming), [],
            (_, request, responses, grpc) => ServeStreamAsync(grpc, env,
                call => handler(request, new GrpcStreamWriter<TResponse>(responses), call)));

    public override ValueTask ServeHttpAsync(HttpContext http, ICodec codec, ReadOnlySequence<byte> body, HandlerEnvironment env) => StreamsNeedGrpc();
}

/// <summary>A client streaming endpoint: a stream of requests, one response.</summary>
internal sealed class ClientStreamHandlerDescriptor<TRequest, TResponse>(
    string endpoint, Func<IAsyncEnumerable<TRequest>, CallContext, Task<TResponse>> handler)
    : HandlerDescriptor(endpoint, typeof(TRequest), typeof(TResponse), stream: "client")
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

internal sealed class GrpcStreamWriter<T>(IServerStreamWriter<T> inner) : IStreamWriter<T>
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default) => inner.WriteAsync(message, cancellationToken);
}
