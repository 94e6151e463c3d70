using Micro.Client;
using Micro.Errors;
using Micro.Middleware;
using Micro.Server;
using Micro.Tests.Protos;

namespace Micro.Tests.Rpc;

public class CallTests
{
    /// <summary>A node whose Slow.Wait handler waits until its call is cancelled: it says when it started and with what deadline it ended.</summary>
    private sealed class WaitingNode
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<DateTime?> CancelledWithDeadline { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public MicroApp App { get; private set; } = null!;

        public static async Task<WaitingNode> StartAsync(TestCluster cluster, ServerOptions? options = null)
        {
            var node = new WaitingNode();
            node.App = await cluster.StartNodeAsync("slow", b => b.Handle<Echo, EchoReply>("Slow.Wait", async (req, ctx) =>
            {
                node.Started.TrySetResult();
                try { await Task.Delay(Timeout.Infinite, ctx.CancellationToken); }
                catch (OperationCanceledException) { node.CancelledWithDeadline.TrySetResult(ctx.Deadline); throw; }
                return new EchoReply("never", "");
            }), options);
            return node;
        }
    }

    [Fact]
    public async Task Deadline_propagates_and_the_server_sees_cancellation()
    {
        await using var cluster = new TestCluster();
        var node = await WaitingNode.StartAsync(cluster);
        await using var client = cluster.CreateClient();

        // Long enough that the handler surely starts on a loaded machine (an expired call is refused, never handled).
        var error = await Assert.ThrowsAsync<MicroException>(() =>
            client.CallAsync<Echo, EchoReply>("slow", "Slow.Wait", new Echo("x"), new CallOptions { Timeout = TimeSpan.FromSeconds(1) }));
        Assert.Equal(ErrorCodes.DeadlineExceeded, error.Id);
        Assert.Equal(408, error.Code);
        var serverDeadline = await node.CancelledWithDeadline.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(serverDeadline); // the handler was told when the caller would give up
    }

    [Fact]
    public async Task The_default_timeout_is_kept_by_the_client_and_still_cancels_the_handler()
    {
        await using var cluster = new TestCluster();
        var node = await WaitingNode.StartAsync(cluster);
        await using var client = cluster.CreateClient(new ClientOptions { Timeout = TimeSpan.FromSeconds(1), Retries = 0 });
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<Echo, EchoReply>("slow", "Slow.Wait", new Echo("x")));
        var took = DateTime.UtcNow - started;

        Assert.Equal(ErrorCodes.DeadlineExceeded, error.Id);
        Assert.Equal(408, error.Code);
        Assert.InRange(took, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
        var serverDeadline = await node.CancelledWithDeadline.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(serverDeadline); // not on the wire: the client reset the call, which cancelled the handler
    }

    [Fact]
    public async Task A_handler_whose_caller_is_cut_off_without_a_deadline_is_cancelled_by_the_server_keep_alive()
    {
        await using var cluster = new TestCluster();
        var node = await WaitingNode.StartAsync(cluster,
            new ServerOptions { GracePeriod = TimeSpan.FromSeconds(5), KeepAliveInterval = TimeSpan.FromSeconds(1), KeepAliveTimeout = TimeSpan.FromSeconds(1) });
        await using var proxy = new Micro.Tests.Shared.TcpProxy(int.Parse(node.App.Address.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture));
        // Pings from the client would find the partition too; off here, so only the server's can end the call.
        await using var client = cluster.CreateClient(new ClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan, Retries = 0 });

        var call = client.CallAsync<Echo, EchoReply>("slow", "Slow.Wait", new Echo("x"), new CallOptions { Address = proxy.Address });
        await node.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        proxy.Freeze(); // the caller's default timeout would reset the stream, but nothing gets through any more

        await node.CancelledWithDeadline.Task.WaitAsync(TimeSpan.FromSeconds(15)); // KeepAliveInterval + KeepAliveTimeout, with room
        Assert.False(call.IsCompleted); // the caller's own 10 s timeout has not passed: it was the server that noticed
    }

    [Fact]
    public async Task A_caller_token_and_the_default_timeout_both_end_a_call()
    {
        await using var cluster = new TestCluster();
        await WaitingNode.StartAsync(cluster);
        await using var client = cluster.CreateClient(new ClientOptions { Timeout = TimeSpan.FromMilliseconds(300), Retries = 0 });

        using var never = new CancellationTokenSource();
        var timedOut = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<Echo, EchoReply>("slow", "Slow.Wait", new Echo("x"), cancellationToken: never.Token));
        Assert.Equal(ErrorCodes.DeadlineExceeded, timedOut.Id);

        // The caller's token first: a default timeout far away, so a stalled timer thread cannot let it win the race.
        await using var patient = cluster.CreateClient(new ClientOptions { Timeout = TimeSpan.FromSeconds(30), Retries = 0 });
        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => patient.CallAsync<Echo, EchoReply>("slow", "Slow.Wait", new Echo("x"), cancellationToken: soon.Token));
    }

    [Fact]
    public async Task Metadata_round_trips_from_client_to_handler()
    {
        await using var cluster = new TestCluster();
        await cluster.StartNodeAsync("meta", b => b.Handle<Echo, EchoReply>("Meta.Get", (req, ctx) =>
            new EchoReply(ctx.Metadata.GetValueOrDefault(req.Text) ?? "<missing>", ctx.Endpoint)));
        await using var client = cluster.CreateClient();
        var options = new CallOptions { Metadata = new Dictionary<string, string> { ["X-User"] = "ada", ["trace-id"] = "abc123" } };

        var user = await client.CallAsync<Echo, EchoReply>("meta", "Meta.Get", new Echo("x-user"), options);
        var trace = await client.CallAsync<Echo, EchoReply>("meta", "Meta.Get", new Echo("trace-id"), options);

        Assert.Equal("ada", user.Text);
        Assert.Equal("abc123", trace.Text);
        Assert.Equal("Meta.Get", user.Node);
    }

    [Fact]
    public async Task Bidi_stream_echoes_ten_thousand_messages_in_order()
    {
        await using var cluster = new TestCluster();
        await cluster.StartNodeAsync("stream", b => b.HandleStream<Ping, Pong>("Stream.Echo", async (requests, responses, ctx) =>
        {
            await foreach (var ping in requests)
                await responses.WriteAsync(new Pong { Seq = ping.Seq, Text = ping.Text }, ctx.CancellationToken);
        }));
        await using var client = cluster.CreateClient();
        await using var stream = await client.StreamAsync<Ping, Pong>("stream", "Stream.Echo");
        const int count = 10_000;

        var reader = Task.Run(async () =>
        {
            var expected = 0;
            await foreach (var pong in stream.ReadAllAsync())
            {
                Assert.Equal(expected, pong.Seq);
                Assert.Equal("m" + expected, pong.Text);
                expected++;
            }
            return expected;
        });
        for (var i = 0; i < count; i++) await stream.SendAsync(new Ping { Seq = i, Text = "m" + i });
        await stream.CompleteAsync();

        Assert.Equal(count, await reader.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Middleware_wraps_server_and_client_calls_in_order()
    {
        await using var cluster = new TestCluster();
        var order = new List<string>();
        await cluster.StartNodeAsync("mw", b => b
            .Use(new RecordingMiddleware("outer", order))
            .Use(new RecordingMiddleware("inner", order))
            .Handle<Echo, EchoReply>("Mw.Call", (req, ctx) =>
            {
                lock (order) order.Add("handler");
                return new EchoReply(ctx.Metadata.GetValueOrDefault("x-added-by") ?? "", "");
            }));
        await using var client = cluster.CreateClient(middleware: [new AddMetadataMiddleware()]);

        var reply = await client.CallAsync<Echo, EchoReply>("mw", "Mw.Call", new Echo("x"));

        Assert.Equal("client-middleware", reply.Text);
        Assert.Equal(["outer:before", "inner:before", "handler", "inner:after", "outer:after"], order);
    }

    [Fact]
    public async Task Json_codec_can_be_chosen_per_call_for_protobuf_messages()
    {
        await using var cluster = new TestCluster();
        await cluster.StartNodeAsync("codec", b => b.Handle<Ping, Pong>("Codec.Echo", (req, ctx) => new Pong { Text = ctx.ContentType, Seq = req.Seq }));
        await using var client = cluster.CreateClient();

        var proto = await client.CallAsync<Ping, Pong>("codec", "Codec.Echo", new Ping { Seq = 1 });
        var json = await client.CallAsync<Ping, Pong>("codec", "Codec.Echo", new Ping { Seq = 2 }, new CallOptions { ContentType = "application/json" });

        Assert.Equal(("application/protobuf", 1), (proto.Text, proto.Seq));
        Assert.Equal(("application/json", 2), (json.Text, json.Seq));
    }

    private sealed class RecordingMiddleware(string name, List<string> order) : IServerMiddleware
    {
        public async ValueTask<object?> InvokeAsync(ServerCall call, ServerCallHandler next)
        {
            lock (order) order.Add(name + ":before");
            var result = await next(call);
            lock (order) order.Add(name + ":after");
            return result;
        }
    }

    private sealed class AddMetadataMiddleware : IClientMiddleware
    {
        public Task<object?> InvokeAsync(ClientCall call, ClientCallHandler next)
        {
            var metadata = new Dictionary<string, string>(call.Options.Metadata ?? new Dictionary<string, string>()) { ["x-added-by"] = "client-middleware" };
            call.Options = call.Options with { Metadata = metadata };
            return next(call);
        }
    }
}

public class StreamingKindsTests
{
    [Fact]
    public async Task Server_streaming_and_client_streaming_work_end_to_end()
    {
        await using var cluster = new TestCluster();
        await cluster.StartNodeAsync("kinds", b => b
            .HandleServerStream<Ping, Pong>("Kinds.Count", async (req, responses, ctx) =>
            {
                for (var i = 0; i < req.Seq; i++) await responses.WriteAsync(new Pong { Seq = i }, ctx.CancellationToken);
            })
            .HandleClientStream<Ping, Pong>("Kinds.Sum", async (requests, ctx) =>
            {
                var sum = 0;
                await foreach (var r in requests) sum += r.Seq;
                return new Pong { Seq = sum };
            }));
        await using var client = cluster.CreateClient();

        var seen = new List<int>();
        await foreach (var pong in client.ServerStreamAsync<Ping, Pong>("kinds", "Kinds.Count", new Ping { Seq = 100 })) seen.Add(pong.Seq);
        Assert.Equal(Enumerable.Range(0, 100), seen);

        var sum = await client.ClientStreamAsync<Ping, Pong>("kinds", "Kinds.Sum", Numbers(50));
        Assert.Equal(Enumerable.Range(1, 50).Sum(), sum.Seq);

        var services = await cluster.Registry.GetServiceAsync("kinds");
        Assert.Equal(["client", "server"], services.Single().Endpoints.Select(e => e.Metadata["stream"]).Order());
    }

    private static async IAsyncEnumerable<Ping> Numbers(int n)
    {
        for (var i = 1; i <= n; i++)
        {
            await Task.Yield();
            yield return new Ping { Seq = i };
        }
    }
}
