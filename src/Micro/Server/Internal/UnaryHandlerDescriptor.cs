using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Micro.Codec;
using Micro.Errors;
using Micro.Middleware;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>A request/response endpoint.</summary>
internal sealed class UnaryHandlerDescriptor<
    [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
    [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string endpoint, Func<TRequest, CallContext, ValueTask<TResponse>> handler)
    : HandlerDescriptor(endpoint, typeof(TRequest), typeof(TResponse), stream: null,
        ProtobufCodec.ProtobufFactory<TRequest>.DescriptorOrNull, ProtobufCodec.ProtobufFactory<TResponse>.DescriptorOrNull)
    where TRequest : class where TResponse : class
{
    private ServerCallHandler? _pipeline;

    protected override ICodec NaturalCodec(HandlerEnvironment env) => env.Codecs.For<TRequest>();

    public override void Bind(ServiceMethodProviderContext<MicroGrpcService> context, HandlerEnvironment env)
    {
        var method = CreateMethod<TRequest, TResponse>(env, MethodType.Unary);
        if (env.Middleware.Count > 0)
            _pipeline = env.Compose(async call => await handler((TRequest)call.Request!, call.Context).ConfigureAwait(false));
        context.AddUnaryMethod(method, [], (_, request, grpc) => ServeGrpcAsync(request, grpc, env));
    }

    private async Task<TResponse> ServeGrpcAsync(TRequest request, ServerCallContext grpc, HandlerEnvironment env)
    {
        if (!env.State.TryEnter()) throw Draining(env);
        var context = CreateContext(env, grpc);
        try
        {
            CallContext.Current = context;
            return await InvokeAsync(request, context, env).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw ToRpcException(e, env, grpc);
        }
        finally
        {
            await context.EndAsync().ConfigureAwait(false);
            env.State.Exit();
        }
    }

    private ValueTask<TResponse> InvokeAsync(TRequest request, CallContext context, HandlerEnvironment env)
    {
        if (_pipeline is null) return handler(request, context);
        if (env.OnlyTelemetry is { } telemetry) return telemetry.ServeAsync(request, context, handler); // no pipeline
        return ThroughPipeline(request, context);

        async ValueTask<TResponse> ThroughPipeline(TRequest request, CallContext context) =>
            (TResponse)(await _pipeline(new ServerCall(context, request, isStream: false)).ConfigureAwait(false))!;
    }

    public override async ValueTask ServeHttpAsync(HttpContext http, ICodec codec, ReadOnlySequence<byte> body, HandlerEnvironment env)
    {
        if (!env.State.TryEnter()) throw DrainingError(env);
        CallContext? context = null;
        try
        {
            var request = codec.Read<TRequest>(body);
            CallContext.Current = context = new CallContext(Site(env), codec.ContentType, null, http.Request.Headers, http.RequestAborted);
            TResponse response;
            try
            {
                response = await InvokeAsync(request, context, env).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is OperationCanceledException && http.RequestAborted.IsCancellationRequested))
            {
                throw HandlerErrors.ForCaller(e, env, Endpoint, http.RequestAborted, null);
            }
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = codec.ContentType;
            if (codec.SizeOf(response) is { } size) http.Response.ContentLength = size;
            // Kestrel's writer only accepts Advance after GetSpan; protobuf's writer advances before it asks for memory.
            http.Response.BodyWriter.GetSpan();
            codec.Write(response, http.Response.BodyWriter);
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            if (context is not null) await context.EndAsync().ConfigureAwait(false);
            env.State.Exit();
        }
    }
}
