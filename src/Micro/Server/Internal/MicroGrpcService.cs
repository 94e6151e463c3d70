using Grpc.AspNetCore.Server.Model;

namespace Micro.Server.Internal;

/// <summary>
/// The one gRPC "service" type grpc-dotnet sees. Its methods are not C# methods but the handlers
/// registered by endpoint name, bound through <see cref="MicroMethodProvider"/> (no protoc base class).
/// </summary>
internal sealed class MicroGrpcService;

internal sealed class MicroMethodProvider(HandlerEnvironment env, HandlerTable handlers) : IServiceMethodProvider<MicroGrpcService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<MicroGrpcService> context)
    {
        foreach (var handler in handlers.All) handler.Bind(context, env);
    }
}
