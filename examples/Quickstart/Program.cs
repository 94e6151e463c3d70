// The README's first command: starts the greeter service, finds it through the registry by name,
// calls it over gRPC, prints the reply, and shuts down cleanly.
using Greeter;
using Micro;
using Microsoft.Extensions.Logging;

var builder = MicroService.CreateBuilder(args, GreeterEndpoints.Service);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.AddGreeter();
await using var service = builder.Build();
await service.StartAsync();

var reply = await service.Client.CallAsync<HelloRequest, HelloReply>("greeter", "Greeter.Hello", new HelloRequest { Name = "Ada" });
Console.WriteLine($"greeter node {service.Node.Id} at {service.Address} answered: {reply.Message}");

await service.StopAsync();
