using System.Buffers;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Micro.Codec;
using Micro.Errors;
using Micro.Middleware;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>A bidirectional streaming endpoint: requests and responses flow independently until either side completes.</summary>
internal sealed class DuplexHandlerDescriptor<TRequest, TResponse>(
    string endpoint, Func<IAsyncEnumerable<TRequest>, IStreamWriter<TResponse>, CallContext, Task> handler)
    : HandlerDescriptor(endpoint, typeof(TRequest), typeof(TResponse), isStream: true)
    where TRequest : class where TResponse : class
{
    protected override ICodec NaturalCodec(HandlerEnvironment env) => env.Codecs.For<TRequest>();

    public override void Bind(ServiceMethodProviderContext<MicroGrpcService> context, HandlerEnvironment env)
    {
        var path = EndpointPath.For(env.Service, Endpoint);
        var method = new Method<TRequest, TResponse>(MethodType.DuplexStreaming, path.GrpcService, path.Method,
            CodecMarshaller.PerCall<TRequest>(env.Codecs.For<TRequest>()),
            CodecMarshaller.PerCall<TResponse>(env.Codecs.For<TResponse>()));
        context.AddDuplexStreamingMethod(method, [], (_, requests, responses, grpc) => ServeAsync(requests, responses, grpc, env));
    }

    private async Task ServeAsync(IAsyncStreamReader<TRequest> requests, IServerStreamWriter<TResponse> responses, ServerCallContext grpc, HandlerEnvironment env)
    {
        if (!env.State.TryEnter()) throw Draining(env);
        try
        {
            var context = CreateContext(env, grpc);
            var stream = requests.ReadAllAsync(grpc.CancellationToken);
            var writer = new GrpcStreamWriter(responses);
            if (env.Middleware.Count == 0)
            {
                await handler(stream, writer, context).ConfigureAwait(false);
                return;
            }
            var pipeline = env.Compose(async call => { await handler(stream, writer, call.Context).ConfigureAwait(false); return null; });
            await pipeline(new ServerCall(context, null, isStream: true)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw ToRpcException(e, env, grpc.CancellationToken);
        }
        finally
        {
            env.State.Exit();
        }
    }

    public override ValueTask ServeHttpAsync(HttpContext http, ICodec codec, ReadOnlySequence<byte> body, HandlerEnvironment env) =>
        throw MicroException.BadRequest(ErrorCodes.MalformedPayload, $"{Endpoint} is a streaming endpoint: call it with gRPC");

    private sealed class GrpcStreamWriter(IServerStreamWriter<TResponse> inner) : IStreamWriter<TResponse>
    {
        public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(message, cancellationToken);
    }
}
