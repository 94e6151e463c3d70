using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Micro.Codec;
using Micro.Errors;
using Micro.Registry;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>One endpoint a service serves: how to bind it into grpc-dotnet and how to serve it over plain HTTP.</summary>
internal abstract class HandlerDescriptor(string endpoint, Type request, Type response, string? stream,
    MessageDescriptor? requestProto, MessageDescriptor? responseProto)
{
    public string Endpoint { get; } = endpoint;
    public Type RequestType { get; } = request;
    public Type ResponseType { get; } = response;
    /// <summary>The request's protobuf descriptor, or null for a plain (JSON) type. Taken where the type is generic, so no activation by <see cref="Type"/>.</summary>
    public MessageDescriptor? RequestProto { get; } = requestProto;
    /// <summary>The response's protobuf descriptor, or null for a plain (JSON) type.</summary>
    public MessageDescriptor? ResponseProto { get; } = responseProto;
    /// <summary>Null for unary; "bidi", "server" or "client" for streaming endpoints.</summary>
    public string? Stream { get; } = stream;

    /// <summary>Running it twice does no harm: clients may retry it after a failure in mid-call (published in the registry).</summary>
    public bool Idempotent { get; set; }

    public EndpointInfo ToEndpointInfo()
    {
        var metadata = new Dictionary<string, string>();
        if (Stream is not null) metadata["stream"] = Stream;
        if (Idempotent) metadata[EndpointMetadata.Idempotent] = "true";
        return new()
        {
            Name = Endpoint,
            Request = RequestType.FullName ?? RequestType.Name,
            Response = ResponseType.FullName ?? ResponseType.Name,
            Metadata = metadata,
        };
    }

    /// <summary>The codec of the request type when the caller names none.</summary>
    protected abstract ICodec NaturalCodec(HandlerEnvironment env);

    public abstract void Bind(ServiceMethodProviderContext<MicroGrpcService> context, HandlerEnvironment env);

    /// <summary>Serves one plain HTTP request whose body has been read; returns the encoded reply.</summary>
    public abstract ValueTask ServeHttpAsync(HttpContext http, ICodec codec, ReadOnlySequence<byte> body, HandlerEnvironment env);

    protected CallContext CreateContext(HandlerEnvironment env, ServerCallContext grpc)
    {
        var deadline = grpc.Deadline == DateTime.MaxValue ? (DateTime?)null : DeadlineHeader.Correct(grpc.Deadline, grpc.GetHttpContext());
        var contentType = (CallCodec.Current ?? NaturalCodec(env)).ContentType;
        return new CallContext(Site(env), contentType, deadline, grpc, grpc.CancellationToken);
    }

    private EndpointSite? _site;

    /// <summary>The endpoint's shared part of every call context (one server per descriptor in practice; rebuilt if not).</summary>
    protected EndpointSite Site(HandlerEnvironment env)
    {
        var site = _site;
        if (site is null || !ReferenceEquals(site.Environment, env)) _site = site = new EndpointSite(env, Endpoint);
        return site;
    }

    /// <summary>Turns whatever a handler threw into the error the caller sees (<see cref="HandlerErrors"/>); never leaks a stack trace.</summary>
    protected RpcException ToRpcException(Exception e, HandlerEnvironment env, ServerCallContext grpc) =>
        e is RpcException rpc ? rpc : GrpcErrorMapping.ToRpcException(HandlerErrors.ForCaller(e, env, Endpoint, grpc.CancellationToken, grpc.Deadline == DateTime.MaxValue ? null : grpc.Deadline));

    /// <summary>Runs a streaming handler: shutdown check, middleware (with a null request), error mapping.</summary>
    protected async Task ServeStreamAsync(ServerCallContext grpc, HandlerEnvironment env, Func<CallContext, Task> run)
    {
        if (!env.State.TryEnter()) throw Draining(env);
        CallContext? context = null;
        try
        {
            CallContext.Current = context = CreateContext(env, grpc);
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
            throw ToRpcException(e, env, grpc);
        }
        finally
        {
            if (context is not null) await context.EndAsync().ConfigureAwait(false);
            env.State.Exit();
        }
    }

    /// <summary>Streams are served over gRPC only.</summary>
    protected ValueTask StreamsNeedGrpc() =>
        throw MicroException.BadRequest(ErrorCodes.MalformedPayload, $"{Endpoint} is a streaming endpoint: call it with gRPC");

    protected Method<TRequest, TResponse> CreateMethod<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(HandlerEnvironment env, MethodType type)
    {
        var path = EndpointPath.For(env.Service, Endpoint);
        return new Method<TRequest, TResponse>(type, path.GrpcService, path.Method,
            CodecMarshaller.PerCall<TRequest>(env.Codecs.For<TRequest>()),
            CodecMarshaller.PerCall<TResponse>(env.Codecs.For<TResponse>()));
    }

    /// <summary>The one answer that says "not run": the client may retry it on another node whatever the endpoint.</summary>
    protected static MicroException DrainingError(HandlerEnvironment env) =>
        MicroException.Unavailable(ErrorCodes.Draining, $"{env.Service} node is shutting down; the call was not run");

    protected static RpcException Draining(HandlerEnvironment env) => GrpcErrorMapping.ToRpcException(DrainingError(env));
}
