using System.Text.Json.Serialization;
using Micro;
using Micro.Config;
using Microsoft.Extensions.DependencyInjection;

namespace MicroService1;

/// <summary>A request to the Greeter.Hello endpoint.</summary>
public sealed record HelloRequest(string Name);

/// <summary>The reply of the Greeter.Hello endpoint.</summary>
public sealed record HelloReply(string Message);

/// <summary>The service's handlers, in one place so the tests start the same service as Program.cs.</summary>
public static class ServiceSetup
{
    /// <summary>Adds the handlers and the JSON context of this service.</summary>
    public static MicroServiceBuilder AddMicroService1(this MicroServiceBuilder builder)
    {
        builder.Services.AddMicroJson(ServiceJson.Default); // plain records as JSON, NativeAOT-safe
        builder.Handle<HelloRequest, HelloReply>("Greeter.Hello", (request, context) =>
        {
            // "Greeting" from appsettings.json, the environment (Greeting=Hi) or the command line (--Greeting Hi)
            var greeting = context.Services.GetRequiredService<IMicroConfig>().Get("Greeting").String("Hello");
            return new HelloReply($"{greeting} {request.Name}");
        });
        return builder;
    }
}

[JsonSerializable(typeof(HelloRequest))]
[JsonSerializable(typeof(HelloReply))]
internal sealed partial class ServiceJson : JsonSerializerContext;
