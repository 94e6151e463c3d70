using System.Text.Json;
using Greeter;
using Micro.Registry;
using Micro.Tests.Interop;
using Micro.Tests.Rpc;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Reflection;

public class ReflectionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("v1")]
    [InlineData("v1alpha")]
    public async Task A_grpc_js_reflection_client_lists_the_greeter_resolves_its_messages_and_calls_it_from_reflected_descriptors(string version)
    {
        await using var cluster = new TestCluster();
        var node = await StartGreeterAsync(cluster);

        using var client = NodeClient.Start("reflection.js", node.Address, version, "greeter.Greeter", "Hello", "greeter.HelloRequest", """{"name":"Ada"}""");
        var services = Json(await client.NextLineAsync(Wait)).GetProperty("services").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Equal(["greeter.Greeter", "greeter.Orders", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"], services);
        Assert.Equal("""{"methods":["Chat","Hello"]}""", await client.NextLineAsync(Wait));
        Assert.Equal("""{"fields":["name:string"]}""", await client.NextLineAsync(Wait));
        Assert.Equal("""{"reply":{"message":"Hello Ada"}}""", await client.NextLineAsync(Wait));
    }

    [Fact]
    public async Task Json_endpoints_are_described_by_a_generated_file_that_names_their_fields_and_says_they_take_json()
    {
        await using var cluster = new TestCluster();
        var node = await StartGreeterAsync(cluster);

        // The call itself fails: the generated descriptor describes JSON messages, which protobuf-only tools cannot send.
        using var client = NodeClient.Start("reflection.js", node.Address, "v1", "greeter.Orders", "Place", "greeter.Order", """{"item":"tea"}""");
        await client.NextLineAsync(Wait);
        Assert.Equal("""{"methods":["Place"]}""", await client.NextLineAsync(Wait));
        Assert.Equal("""{"fields":["item:string","quantity:int32","tags:string","lines:.greeter.OrderLine"]}""", await client.NextLineAsync(Wait));
        Assert.Contains("\"error\"", await client.NextLineAsync(Wait));

        var descriptors = node.Services.GetRequiredService<Lazy<Micro.Reflection.ReflectionDescriptors>>().Value;
        var file = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(descriptors.FileWithImports("micro/greeter.proto")![0]);
        Assert.Contains("application/grpc+json", file.SourceCodeInfo.Location.Single().LeadingComments);
        var order = file.MessageType.Single(m => m.Name == "Order");
        Assert.Equal(Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label.Repeated, order.Field.Single(f => f.Name == "tags").Label);
    }

    [Fact]
    public async Task The_registry_record_carries_each_endpoints_json_schema_and_protobuf_names()
    {
        await using var cluster = new TestCluster();
        await StartGreeterAsync(cluster);

        var endpoints = (await cluster.Registry.GetServiceAsync("greeter")).Single().Endpoints.ToDictionary(e => e.Name);
        var hello = endpoints["Greeter.Hello"].Metadata;
        Assert.Equal("greeter.HelloRequest", hello["request_proto"]);
        Assert.Equal("""{"type":"object","properties":{"name":{"type":"string"}}}""", hello["request_schema"]);
        Assert.Equal("""{"type":"object","properties":{"message":{"type":"string"}}}""", hello["response_schema"]);
        var place = Json(endpoints["Orders.Place"].Metadata["request_schema"]);
        // JSON's web defaults also read numbers from strings, so the schema allows both.
        Assert.Contains("integer", place.GetProperty("properties").GetProperty("quantity").GetProperty("type").EnumerateArray().Select(t => t.GetString()));
        Assert.False(endpoints["Orders.Place"].Metadata.ContainsKey("request_proto"));
    }

    private static Task<MicroApp> StartGreeterAsync(TestCluster cluster) => cluster.StartNodeAsync("greeter", b =>
    {
        b.Handle<HelloRequest, HelloReply>("Greeter.Hello", (req, ctx) => new HelloReply { Message = $"Hello {req.Name}" });
        b.HandleStream<HelloRequest, HelloReply>("Greeter.Chat", async (requests, responses, ctx) =>
        {
            await foreach (var req in requests) await responses.WriteAsync(new HelloReply { Message = $"Hello {req.Name}" });
        });
        b.Handle<Order, OrderReceipt>("Orders.Place", (order, ctx) => new OrderReceipt(order.Item, order.Quantity));
    });

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement;
}

internal sealed record OrderLine(string Sku, double Price);
internal sealed record Order(string Item, int Quantity, List<string>? Tags = null, OrderLine? Lines = null);
internal sealed record OrderReceipt(string Item, int Quantity);
