using System.Buffers;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Micro.Codec;
using Micro.Errors;
using Micro.Registry;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>One endpoint a service serves: how to bind it into grpc-dotnet and how to serve it over plain HTTP.</summary>
internal abstract class HandlerDescriptor(string endpoint, Type request, Type response, string? stream)
{
    public string Endpoint { get; } = endpoint;
    public Type RequestType { get; } = request;
    public Type ResponseType { get; } = response;
    /// <summary>Null for unary; "bidi", "server" or "client" for streaming endpoints.</summary>
    public string? Stream { get; } = stream;

    public EndpointInfo ToEndpointInfo() => new()
    {
        Name = Endpoint,
        Request = RequestType.FullName ?? RequestType.Name,
        Response = ResponseType.FullName ?? ResponseType.Name,
        Metadata = Stream is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["stream"] = Stream },
    };

    /// <summary>The codec of the request type when the caller names none.</summary>
    protected abstract ICodec NaturalCodec(HandlerEnvironment env);

    public abstract void Bind(ServiceMethodProviderContext<MicroGrpcService> context, HandlerEnvironment env);

    /// <summary>Serves one plain HTTP request whose body has been read; returns the encoded reply.</summary>
    public abstract ValueTask ServeHttpAsync(HttpContext http, ICodec codec, ReadOnlySequence<byte> body, HandlerEnvironment env);

    protected CallContext CreateContext(HandlerEnvironment env, ServerCallContext grpc)
    {
        var deadline = grpc.Deadline == DateTime.MaxValue ? (DateTime?)null : grpc.Deadline;
        var contentType = (CallCodec.Current ?? NaturalCodec(env)).ContentType;
        return new CallContext(env.Service, Endpoint, contentType, deadline, CallMetadata.FromGrpc, grpc, grpc.CancellationToken, env.Services);
    }

    /// <summary>Turns whatever a handler threw into the error the caller sees; never leaks a stack trace.</summary>
    protected RpcException ToRpcException(Exception e, HandlerEnvironment env, CancellationToken callToken)
    {
        switch (e)
        {
            case RpcException rpc:
                return rpc;
            case MicroException micro:
                return GrpcErrorMapping.ToRpcException(micro);
            case OperationCanceledException when callToken.IsCancellationRequested:
                return GrpcErrorMapping.ToRpcException(new MicroException(ErrorCodes.Cancelled, 499, $"{Endpoint} cancelled: deadline passed or caller went away"));
            default:
                ServerLog.HandlerFailed(env.Logger, Endpoint, e);
                return GrpcErrorMapping.ToRpcException(MicroException.InternalServerError(ErrorCodes.Internal, $"{env.Service}.{Endpoint} failed"));
        }
    }

    /// <summary>Runs a streaming handler: shutdown check, middleware (with a null request), error mapping.</summary>
    protected async Task ServeStreamAsync(ServerCallContext grpc, HandlerEnvironment env, Func<CallContext, Task> run)
    {
        if (!env.State.TryEnter()) throw Draining(env);
        try
        {
            var context = CreateContext(env, grpc);
            if (env.Middleware.Count == 0)
            {
                await run(context).ConfigureAwait(false);
                return;
            }
            var pipeline = env.Compose(async call => { await run(call.Context).ConfigureAwait(false); return null; });
            await pipeline(new Middleware.ServerCall(context, null, isStream: true)).ConfigureAwait(false);
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

    /// <summary>Streams are served over gRPC only.</summary>
    protected ValueTask StreamsNeedGrpc() =>
        throw MicroException.BadRequest(ErrorCodes.MalformedPayload, $"{Endpoint} is a streaming endpoint: call it with gRPC");

    protected Method<TRequest, TResponse> CreateMethod<TRequest, TResponse>(HandlerEnvironment env, MethodType type)
    {
        var path = EndpointPath.For(env.Service, Endpoint);
        return new Method<TRequest, TResponse>(type, path.GrpcService, path.Method,
            CodecMarshaller.PerCall<TRequest>(env.Codecs.For<TRequest>()),
            CodecMarshaller.PerCall<TResponse>(env.Codecs.For<TResponse>()));
    }

    protected static RpcException Draining(HandlerEnvironment env) =>
        GrpcErrorMapping.ToRpcException(MicroException.Unavailable(ErrorCodes.Unavailable, $"{env.Service} node is shutting down"));
}
