using Micro;
using MicroService1;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace MicroService1.Tests;

public sealed class GreeterTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("microservice1-").FullName;

    [Fact]
    public async Task Hello_greets_by_name()
    {
        await using var app = await StartAsync();

        // The service's own client: same registry and codecs, finds "microservice1" by name.
        var reply = await app.Client.CallAsync<HelloRequest, HelloReply>("microservice1", "Greeter.Hello", new HelloRequest("Ada"));
        Assert.Equal("Hi Ada", reply.Message);
    }

    [Fact]
    public async Task A_greeting_is_published_and_the_subscriber_receives_it()
    {
        await using var app = await StartAsync();

        await app.Client.CallAsync<HelloRequest, HelloReply>("microservice1", "Greeter.Hello", new HelloRequest("Grace"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("Grace", await app.Services.GetRequiredService<GreetedNames>().NextAsync(timeout.Token));
    }

    /// <summary>The service as Program.cs builds it, on the in-process registry and a free loopback port: no network needed.</summary>
    private async Task<MicroApp> StartAsync()
    {
        var builder = MicroService.CreateBuilder(["--MICRO_REGISTRY", "memory", "--address", "127.0.0.1:0", "--Greeting", "Hi",
            "--MICRO_BROKER_OUTBOX_PATH", _data], "microservice1");
        builder.AddMicroService1();
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
