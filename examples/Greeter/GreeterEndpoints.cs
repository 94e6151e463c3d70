using Micro;

namespace Greeter;

/// <summary>The greeter's handlers, shared by the example, the quickstart and the tests.</summary>
public static class GreeterEndpoints
{
    public const string Service = "greeter";

    public static MicroServiceBuilder AddGreeter(this MicroServiceBuilder builder) => builder
        .Handle<HelloRequest, HelloReply>("Greeter.Hello", (request, context) => new HelloReply { Message = $"Hello {request.Name}" })
        .HandleStream<HelloRequest, HelloReply>("Greeter.Chat", async (requests, responses, context) =>
        {
            await foreach (var request in requests)
                await responses.WriteAsync(new HelloReply { Message = $"Hello {request.Name}" }, context.CancellationToken);
        });
}
