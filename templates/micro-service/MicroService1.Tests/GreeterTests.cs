using Micro;
using MicroService1;
using Xunit;

namespace MicroService1.Tests;

public class GreeterTests
{
    [Fact]
    public async Task Hello_greets_by_name()
    {
        // The in-process registry and a free loopback port: no network needed.
        var builder = MicroService.CreateBuilder(["--MICRO_REGISTRY", "memory", "--address", "127.0.0.1:0", "--Greeting", "Hi"], "microservice1");
        builder.AddMicroService1();
        await using var app = builder.Build();
        await app.StartAsync();

        // The service's own client: same registry and codecs, finds "microservice1" by name.
        var reply = await app.Client.CallAsync<HelloRequest, HelloReply>("microservice1", "Greeter.Hello", new HelloRequest("Ada"));
        Assert.Equal("Hi Ada", reply.Message);
    }
}
