using System.Buffers;
using Micro.Codec;
using Micro.Errors;
using Micro.Tests.Protos;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Codec;

public class CodecTests
{
    private static T RoundTrip<T>(ICodec codec, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        codec.Write(value, buffer);
        return codec.Read<T>(new ReadOnlySequence<byte>(buffer.WrittenMemory));
    }

    internal sealed record Order(string Id, int Quantity, List<string> Tags);

    [Fact]
    public void Json_without_a_context_or_reflection_refuses_plain_types_with_advice()
    {
        var codec = new JsonCodec();
        Assert.False(codec.CanHandle(typeof(Order)));
        Assert.True(codec.CanHandle(typeof(Ping)));
        var e = Assert.Throws<InvalidOperationException>(() => codec.Write(new Order("o", 1, []), new ArrayBufferWriter<byte>()));
        Assert.Contains("AddMicroJson", e.Message);
        Assert.Equal("o", RoundTrip(new JsonCodec([OrderJson.Default]), new Order("o", 1, [])).Id);
    }

    [Fact]
    public async Task A_service_whose_handler_type_has_no_json_type_info_fails_at_build_and_works_with_a_context()
    {
        var bare = MicroService.CreateBuilder(["--address", "127.0.0.1:0"], "jsonless");
        bare.Services.AddSingleton<Micro.Registry.IRegistry>(new Micro.Registry.MemoryRegistry());
        bare.Handle<Order, Order>("Orders.Echo", (o, _) => o);
        var e = Assert.Throws<InvalidOperationException>(() => bare.Build());
        Assert.Contains("Orders.Echo", e.Message);
        Assert.Contains(typeof(Order).FullName!, e.Message);

        var withContext = MicroService.CreateBuilder(["--address", "127.0.0.1:0"], "jsonful");
        withContext.Services.AddSingleton<Micro.Registry.IRegistry>(new Micro.Registry.MemoryRegistry());
        withContext.Services.AddMicroJson(OrderJson.Default);
        withContext.Handle<Order, Order>("Orders.Echo", (o, _) => o);
        await using var app = withContext.Build();
        Assert.NotNull(app);
    }

    [Fact]
    public void Protobuf_round_trips_a_message()
    {
        var ping = new Ping { Text = "héllo", Seq = 42, Blob = Google.Protobuf.ByteString.CopyFrom(1, 2, 3) };
        Assert.Equal(ping, RoundTrip(new ProtobufCodec(), ping));
    }

    [Fact]
    public void Json_round_trips_records_and_protobuf_messages()
    {
        var order = RoundTrip(JsonCodec.WithReflection(), new Order("o-1", 3, ["a", "b"]));
        Assert.Equal(("o-1", 3), (order.Id, order.Quantity));
        Assert.Equal(["a", "b"], order.Tags);
        var ping = new Ping { Text = "x", Seq = 7 };
        Assert.Equal(ping, RoundTrip(new JsonCodec(), ping));
    }

    [Fact]
    public void Json_writes_protobuf_messages_compactly_in_protobufs_json_mapping()
    {
        var buffer = new ArrayBufferWriter<byte>();
        new JsonCodec().Write(new Pong { Text = "Hello Ada" }, buffer);
        Assert.Equal("""{"text":"Hello Ada"}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Theory]
    [InlineData("{\"id\": ")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    public void Malformed_json_is_a_bad_request(string text)
    {
        var e = Assert.Throws<MicroException>(() => JsonCodec.WithReflection().Read<Order>(new ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes(text))));
        Assert.Equal((ErrorCodes.MalformedPayload, 400), (e.Id, e.Code));
    }

    [Fact]
    public void Malformed_protobuf_is_a_bad_request()
    {
        var e = Assert.Throws<MicroException>(() => new ProtobufCodec().Read<Ping>(new ReadOnlySequence<byte>([0x0A, 0x05, 0x61])));
        Assert.Equal(ErrorCodes.MalformedPayload, e.Id);
    }

    [Fact]
    public void Registry_picks_by_content_type_and_rejects_unknown_ones()
    {
        var codecs = new CodecRegistry();
        Assert.IsType<JsonCodec>(codecs.Get("application/json; charset=utf-8"));
        Assert.IsType<ProtobufCodec>(codecs.Get("application/x-protobuf"));
        Assert.IsType<ProtobufCodec>(codecs.For(typeof(Ping)));
        Assert.IsType<JsonCodec>(codecs.For(typeof(Order)));
        var e = Assert.Throws<MicroException>(() => codecs.Get("text/xml"));
        Assert.Equal((ErrorCodes.UnsupportedContentType, 415), (e.Id, e.Code));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(CodecTests.Order))]
internal sealed partial class OrderJson : System.Text.Json.Serialization.JsonSerializerContext;
