using Micro.Codec;
using Micro.Hosting.Internal;
using Micro.Server.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro.Reflection;

/// <summary>Wires server reflection (v1 and v1alpha) and the registry schemas into a service.</summary>
internal static class ReflectionEndpoints
{
    public static void AddTo(WebApplicationBuilder web)
    {
        web.Services.AddMicroOptions<ReflectionOptions>("Reflection");
        web.Services.AddSingleton(sp => new Lazy<ReflectionDescriptors>(() => new ReflectionDescriptors(
            sp.GetRequiredService<NodeIdentity>().Service, sp.GetRequiredService<HandlerTable>(), sp.GetRequiredService<CodecRegistry>(),
            [
                Protocol.V1.ReflectionV1Reflection.Descriptor,
                Protocol.V1Alpha.ReflectionV1AlphaReflection.Descriptor,
                .. sp.GetRequiredService<IOptions<Health.HealthOptions>>().Value.Enabled ? [Micro.Health.Protocol.HealthReflection.Descriptor] : Array.Empty<Google.Protobuf.Reflection.FileDescriptor>(),
            ])));
        web.Services.AddSingleton(sp => new EndpointSchemas(sp.GetRequiredService<CodecRegistry>(), sp.GetRequiredService<IOptions<ReflectionOptions>>().Value));
    }

    public static void MapTo(WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<ReflectionOptions>>().Value.Enabled) return;
        app.MapGrpcService<ReflectionService>();
        app.MapGrpcService<ReflectionServiceV1Alpha>();
    }
}
