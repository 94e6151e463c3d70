using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Micro.Client;
using CallOptions = Micro.Client.CallOptions;
using Micro.Errors;
using Micro.Tests.Protos;

namespace Micro.Tests.Rpc;

/// <summary>Every documented error reaches the caller with its id and code, and the server keeps serving.</summary>
public class ErrorTests : IAsyncLifetime
{
    private readonly TestCluster _cluster = new();
    private MicroClient _client = null!;
    private MicroApp _node = null!;

    public async Task InitializeAsync()
    {
        _node = await _cluster.StartNodeAsync("errors", b => b
            .Handle<Ping, Pong>("Errors.Echo", (req, ctx) => new Pong { Seq = req.Seq, Text = $"{req.Blob.Length}" })
            .Handle<Echo, EchoReply>("Errors.Throw", (Func<Echo, Micro.Server.CallContext, EchoReply>)((req, ctx) => throw new InvalidOperationException("secret internals at line 42")))
            .Handle<Echo, EchoReply>("Errors.Conflict", (Func<Echo, Micro.Server.CallContext, EchoReply>)((req, ctx) => throw MicroException.Conflict("orders.duplicate", $"order {req.Text} exists"))));
        _client = _cluster.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private Task<Pong> Echo(int seq, int blobBytes = 0) =>
        _client.CallAsync<Ping, Pong>("errors", "Errors.Echo", new Ping { Seq = seq, Blob = Google.Protobuf.ByteString.CopyFrom(new byte[blobBytes]) });

    [Fact]
    public async Task Unknown_service_is_service_not_found()
    {
        var e = await Assert.ThrowsAsync<MicroException>(() => _client.CallAsync<Ping, Pong>("nobody", "Errors.Echo", new Ping()));
        Assert.Equal((ErrorCodes.ServiceNotFound, 404), (e.Id, e.Code));
    }

    [Fact]
    public async Task Unknown_endpoint_is_endpoint_not_found_through_the_registry_and_directly()
    {
        var viaRegistry = await Assert.ThrowsAsync<MicroException>(() => _client.CallAsync<Ping, Pong>("errors", "Errors.Nope", new Ping()));
        Assert.Equal((ErrorCodes.EndpointNotFound, 404), (viaRegistry.Id, viaRegistry.Code));

        var direct = await Assert.ThrowsAsync<MicroException>(() =>
            _client.CallAsync<Ping, Pong>("errors", "Errors.Nope", new Ping(), new CallOptions { Address = _node.Address }));
        Assert.Equal((ErrorCodes.EndpointNotFound, 404), (direct.Id, direct.Code));
        Assert.Equal(7, (await Echo(7)).Seq);
    }

    [Fact]
    public async Task Handler_exception_is_internal_without_leaking_details()
    {
        var e = await Assert.ThrowsAsync<MicroException>(() => _client.CallAsync<Echo, EchoReply>("errors", "Errors.Throw", new Echo("x")));
        Assert.Equal((ErrorCodes.Internal, 500), (e.Id, e.Code));
        Assert.DoesNotContain("secret", e.Detail);
        Assert.DoesNotContain("line 42", e.Detail);
        Assert.DoesNotContain(" at ", e.Detail);
        Assert.Equal(1, (await Echo(1)).Seq);
    }

    [Fact]
    public async Task A_handlers_own_micro_error_crosses_the_wire_unchanged()
    {
        var e = await Assert.ThrowsAsync<MicroException>(() => _client.CallAsync<Echo, EchoReply>("errors", "Errors.Conflict", new Echo("42")));
        Assert.Equal(("orders.duplicate", 409, "order 42 exists", "Conflict"), (e.Id, e.Code, e.Detail, e.Status));
    }

    [Fact]
    public async Task Malformed_payload_is_rejected_and_the_server_keeps_serving()
    {
        // Raw gRPC with bytes that are not a valid Ping (a truncated varint field).
        using var channel = GrpcChannel.ForAddress("http://" + _node.Address);
        var raw = new Method<byte[], byte[]>(MethodType.Unary, "errors.Errors", "Echo",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var rpc = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(raw, null, new Grpc.Core.CallOptions(), new byte[] { 0x10, 0xFF, 0xFF }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, rpc.StatusCode);
        Assert.Contains(ErrorCodes.MalformedPayload, rpc.Trailers.GetValue("micro-error"));

        Assert.Equal(2, (await Echo(2)).Seq);
    }

    [Fact]
    public async Task Five_megabyte_payload_is_rejected_and_the_server_keeps_serving()
    {
        var e = await Assert.ThrowsAsync<MicroException>(() => Echo(1, 5 * 1024 * 1024));
        Assert.Equal((ErrorCodes.PayloadTooLarge, 413), (e.Id, e.Code));

        var fine = await Echo(3, 1024 * 1024);
        Assert.Equal(("1048576", 3), (fine.Text, fine.Seq));
    }

    [Fact]
    public async Task Over_http_json_errors_have_http_status_and_json_body()
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var url = $"http://{_node.Address}/errors.Errors/";

        async Task<(HttpStatusCode, string)> Post(string path, string body, string contentType = "application/json")
        {
            using var response = await http.PostAsync(url + path, new StringContent(body, Encoding.UTF8, contentType));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var ok = await Post("Echo", """{"seq": 5}""");
        Assert.Equal((HttpStatusCode.OK, """{"text":"0","seq":5}"""), ok);

        var malformed = await Post("Echo", """{"seq": """);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Item1);
        Assert.Contains(ErrorCodes.MalformedPayload, malformed.Item2);

        var unknown = await Post("Nope", "{}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Item1);
        Assert.Contains(ErrorCodes.EndpointNotFound, unknown.Item2);

        var codec = await Post("Echo", "<x/>", "text/xml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, codec.Item1);
        Assert.Contains(ErrorCodes.UnsupportedContentType, codec.Item2);

        var big = await Post("Echo", "\"" + new string('a', 5 * 1024 * 1024) + "\"");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.Item1);

        var thrown = await Post("Throw", """{"text":"x"}""");
        Assert.Equal(HttpStatusCode.InternalServerError, thrown.Item1);
        Assert.DoesNotContain("secret", thrown.Item2);

        Assert.Equal(HttpStatusCode.OK, (await Post("Echo", """{"seq": 6}""")).Item1);
    }
}
