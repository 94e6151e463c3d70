using System.Text.Json.Serialization;
using System.Threading.Channels;
using Micro;
using Micro.Client;
using Micro.Config;
using Micro.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace MicroService1;

/// <summary>A request to the Greeter.Hello endpoint.</summary>
public sealed record HelloRequest(string Name);

/// <summary>The reply of the Greeter.Hello endpoint.</summary>
public sealed record HelloReply(string Message);

/// <summary>The event Greeter.Hello publishes after each greeting.</summary>
public sealed record Greeted(string Name)
{
    /// <summary>The topic it is published on.</summary>
    public const string Topic = "microservice1.greeted";
}

/// <summary>The latest names the subscriber has seen (the last 100); a real service would keep them in its store.</summary>
public sealed class GreetedNames
{
    private readonly Channel<string> _names = Channel.CreateBounded<string>(new BoundedChannelOptions(100) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>Records a name.</summary>
    public void Add(string name) => _names.Writer.TryWrite(name);

    /// <summary>The next name seen (waits for one).</summary>
    public ValueTask<string> NextAsync(CancellationToken cancellationToken) => _names.Reader.ReadAsync(cancellationToken);
}

/// <summary>The service's handler and subscriber, in one place so the tests start the same service as Program.cs.</summary>
public static class ServiceSetup
{
    /// <summary>Adds the handler, the subscriber and the JSON context of this service.</summary>
    public static MicroServiceBuilder AddMicroService1(this MicroServiceBuilder builder)
    {
        builder.Services.AddMicroJson(ServiceJson.Default); // plain records as JSON, NativeAOT-safe
        builder.Services.AddSqlitePlugins(); // the broker's durable outbox: a publish that returned survives a crash
        var names = new GreetedNames();
        builder.Services.AddSingleton(names);

        builder.Handle<HelloRequest, HelloReply>("Greeter.Hello", async (request, context) =>
        {
            // "Greeting" from appsettings.json, the environment (Greeting=Hi) or the command line (--Greeting Hi)
            var greeting = context.Services.GetRequiredService<IMicroConfig>().Get("Greeting").String("Hello");
            await context.Services.GetRequiredService<IMicroClient>().PublishAsync(Greeted.Topic, new Greeted(request.Name), cancellationToken: context.CancellationToken);
            return new HelloReply($"{greeting} {request.Name}");
        });

        // Every replica of this service shares the events (one delivery per service); returning acknowledges,
        // throwing retries with backoff, then dead-letters to microservice1.greeted.dlq.
        builder.Subscribe<Greeted>(Greeted.Topic, (greeted, message) => names.Add(greeted.Name));
        return builder;
    }
}

[JsonSerializable(typeof(HelloRequest))]
[JsonSerializable(typeof(HelloReply))]
[JsonSerializable(typeof(Greeted))]
internal sealed partial class ServiceJson : JsonSerializerContext;
