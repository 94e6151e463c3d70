using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Micro.Client;
using Micro.Client.Internal;
using Micro.Codec;
using Micro.Errors;
using Micro.Middleware;
using Micro.Server;
using Micro.Tests.Protos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Micro.Tests.Rpc;

/// <summary>Defects found by using Micro as a new user would; each test failed before its fix.</summary>
public class WireDefectTests
{
    private static HttpClient Http2() => new() { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

    [Fact]
    public async Task Plain_http_with_application_protobuf_is_answered_in_protobuf()
    {
        await using var cluster = new TestCluster();
        var node = await cluster.StartNodeAsync("proto", b => b.Handle<Ping, Pong>("Proto.Echo", (req, ctx) => new Pong { Seq = req.Seq, Text = ctx.ContentType }));
        using var http = Http2();
        var body = new ByteArrayContent(new Ping { Seq = 41, Text = "x" }.ToByteArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/protobuf");
        using var response = await http.PostAsync($"http://{node.Address}/proto.Proto/Echo", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/protobuf", response.Content.Headers.ContentType?.MediaType);
        var pong = Pong.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((41, "application/protobuf"), (pong.Seq, pong.Text));
    }

    [Fact]
    public async Task A_message_flagged_gzip_that_is_not_gzip_is_internal_and_malformed_not_unknown()
    {
        await using var cluster = new TestCluster();
        var errors = new ErrorLog();
        var node = await cluster.StartNodeAsync("zip", b =>
        {
            b.Logging.AddProvider(errors);
            b.Handle<Ping, Pong>("Zip.Echo", (req, ctx) => new Pong { Seq = req.Seq });
        });
        using var http = Http2();
        var garbage = "definitely not gzip"u8.ToArray();
        var frame = new byte[5 + garbage.Length];
        frame[0] = 1; // compressed flag
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)garbage.Length);
        garbage.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{node.Address}/zip.Zip/Echo") { Content = new ByteArrayContent(frame), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.Add("grpc-encoding", "gzip");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"HTTP {response.StatusCode}: {response}");
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var s) ? s.Single() : response.Headers.GetValues("grpc-status").Single();
        Assert.Equal("13", status); // INTERNAL, as the gRPC spec asks for a message that does not decompress
        var micro = response.TrailingHeaders.TryGetValues("micro-error", out var m) ? m.Single() : response.Headers.GetValues("micro-error").Single();
        Assert.Contains(ErrorCodes.MalformedPayload, micro);
        Assert.Empty(errors.Entries); // the caller's fault: no error-level log, no stack trace
    }

    /// <summary>Collects error-level log entries.</summary>
    private sealed class ErrorLog : ILoggerProvider, ILogger
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<string> Entries = new();
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) Entries.Enqueue(formatter(state, exception));
        }
        public void Dispose() { }
    }

    [Fact]
    public async Task Per_call_and_natural_codecs_for_one_endpoint_each_get_their_own_marshallers()
    {
        await using var cluster = new TestCluster();
        // JSON request type, protobuf response type: natural codecs differ per direction.
        await cluster.StartNodeAsync("mixed", b => b.Handle<Echo, Pong>("Mixed.Get", (req, ctx) => new Pong { Text = req.Text + " via " + ctx.ContentType }));
        await using var client = cluster.CreateClient();
        var natural = await client.CallAsync<Echo, Pong>("mixed", "Mixed.Get", new Echo("a"));
        var json = await client.CallAsync<Echo, Pong>("mixed", "Mixed.Get", new Echo("b"), new CallOptions { ContentType = "application/json" });
        var again = await client.CallAsync<Echo, Pong>("mixed", "Mixed.Get", new Echo("c"));
        Assert.Equal(["a via application/json", "b via application/json", "c via application/json"], new[] { natural.Text, json.Text, again.Text });
    }

    [Fact]
    public void The_method_and_channel_caches_are_bounded()
    {
        var codecs = new CodecRegistry();
        for (var i = 0; i < MethodCache<Echo, EchoReply>.MaxEntries + 100; i++)
            MethodCache<Echo, EchoReply>.Get("svc", $"Many.M{i}", codecs.Json, codecs.Json, Grpc.Core.MethodType.Unary);
        Assert.InRange(MethodCache<Echo, EchoReply>.Count, 1, MethodCache<Echo, EchoReply>.MaxEntries);

        var time = new FakeTimeProvider();
        using var pool = new ChannelPool(new ClientOptions(), time);
        pool.Get("127.0.0.1:1");
        var busy = pool.Get("127.0.0.1:2");
        busy.Enter(); // a stream still open on it
        time.Advance(ChannelPool.IdleTimeout * 2);
        pool.Get("127.0.0.1:3");
        Assert.Equal(2, pool.Count); // the idle channel was closed, the busy one kept
        busy.Exit();
    }

    private sealed class PerCall : IDisposable
    {
        public static int Disposed;
        public Guid Id { get; } = Guid.NewGuid();
        public void Dispose() => Interlocked.Increment(ref Disposed);
    }

    [Fact]
    public async Task Each_call_gets_its_own_service_scope()
    {
        await using var cluster = new TestCluster();
        await cluster.StartNodeAsync("scoped", b =>
        {
            b.Services.AddScoped<PerCall>();
            b.Handle<Echo, EchoReply>("Scoped.Get", (req, ctx) =>
            {
                var first = ctx.Services.GetRequiredService<PerCall>();
                Assert.Same(first, ctx.Services.GetRequiredService<PerCall>());
                return new EchoReply(first.Id.ToString(), "");
            });
        });
        await using var client = cluster.CreateClient();
        var before = Volatile.Read(ref PerCall.Disposed);
        var a = await client.CallAsync<Echo, EchoReply>("scoped", "Scoped.Get", new Echo("1"));
        var b = await client.CallAsync<Echo, EchoReply>("scoped", "Scoped.Get", new Echo("2"));
        Assert.NotEqual(a.Text, b.Text);
        Assert.Equal(before + 2, Volatile.Read(ref PerCall.Disposed));
    }

    private sealed class TaggingMiddleware : IClientMiddleware
    {
        public readonly List<ClientCallKind> Seen = [];
        public Task<object?> InvokeAsync(ClientCall call, ClientCallHandler next)
        {
            lock (Seen) Seen.Add(call.Kind);
            call.Options = call.Options with { Metadata = new Dictionary<string, string> { ["x-tag"] = "tagged" } };
            return next(call);
        }
    }

    [Fact]
    public async Task Client_middleware_wraps_streaming_calls_too()
    {
        await using var cluster = new TestCluster();
        await cluster.StartNodeAsync("streams", b => b
            .HandleStream<Echo, EchoReply>("Streams.Duplex", async (requests, responses, ctx) =>
            {
                await foreach (var r in requests) await responses.WriteAsync(new EchoReply(r.Text, ctx.Metadata.GetValueOrDefault("x-tag", "none")));
            })
            .HandleServerStream<Echo, EchoReply>("Streams.Server", async (request, responses, ctx) =>
                await responses.WriteAsync(new EchoReply(request.Text, ctx.Metadata.GetValueOrDefault("x-tag", "none"))))
            .HandleClientStream<Echo, EchoReply>("Streams.Client", async (requests, ctx) =>
            {
                var n = 0;
                await foreach (var _ in requests) n++;
                return new EchoReply(n.ToString(System.Globalization.CultureInfo.InvariantCulture), ctx.Metadata.GetValueOrDefault("x-tag", "none"));
            }));
        var middleware = new TaggingMiddleware();
        await using var client = cluster.CreateClient(middleware: [middleware]);

        await using (var duplex = await client.StreamAsync<Echo, EchoReply>("streams", "Streams.Duplex"))
        {
            await duplex.SendAsync(new Echo("d"));
            await duplex.CompleteAsync();
            Assert.Equal("tagged", (await duplex.ReadAllAsync().SingleAsync()).Node);
        }
        Assert.Equal("tagged", (await client.ServerStreamAsync<Echo, EchoReply>("streams", "Streams.Server", new Echo("s")).SingleAsync()).Node);
        Assert.Equal(("2", "tagged"), await client.ClientStreamAsync<Echo, EchoReply>("streams", "Streams.Client", new[] { new Echo("1"), new Echo("2") }.ToAsyncEnumerable())
            is var r ? (r.Text, r.Node) : default);
        Assert.Equal([ClientCallKind.Duplex, ClientCallKind.ServerStream, ClientCallKind.ClientStream], middleware.Seen);
    }

    [Fact]
    public async Task A_long_stream_hears_that_its_node_is_draining_and_ends_well_before_the_grace_period()
    {
        await using var cluster = new TestCluster();
        var streaming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = await cluster.StartNodeAsync("feed", b => b.HandleServerStream<Echo, EchoReply>("Feed.Watch", async (request, responses, ctx) =>
        {
            await responses.WriteAsync(new EchoReply("hello", ""));
            streaming.TrySetResult();
            try { await Task.Delay(Timeout.InfiniteTimeSpan, ctx.Draining); } catch (OperationCanceledException) when (ctx.Draining.IsCancellationRequested) { }
            await responses.WriteAsync(new EchoReply("bye", ""));
        }), new ServerOptions { GracePeriod = TimeSpan.FromSeconds(60) });
        await using var client = cluster.CreateClient();
        var received = new List<string>();
        var reading = Task.Run(async () => { await foreach (var r in client.ServerStreamAsync<Echo, EchoReply>("feed", "Feed.Watch", new Echo("x"))) received.Add(r.Text); });
        await streaming.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopwatch = Stopwatch.StartNew();
        await node.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await reading.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"stopping took {stopwatch.Elapsed}");
        Assert.Equal(["hello", "bye"], received);
    }

    [Fact]
    public async Task Metadata_over_the_limit_is_refused_clearly_before_sending_and_the_server_limit_is_an_option()
    {
        await using var cluster = new TestCluster();
        var runs = 0;
        var node = await cluster.StartNodeAsync("meta", b => b.Handle<Echo, EchoReply>("Meta.Get", (req, ctx) =>
        {
            Interlocked.Increment(ref runs);
            return new EchoReply(ctx.Metadata.GetValueOrDefault("x-big", "").Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "");
        }), new ServerOptions { MaxHeaderSize = 256 * 1024 });
        Dictionary<string, string> Big(int size) => new() { ["x-big"] = new string('m', size) };

        await using var client = cluster.CreateClient();
        var error = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<Echo, EchoReply>("meta", "Meta.Get", new Echo("x"), new CallOptions { Metadata = Big(100 * 1024) }));
        Assert.Equal((ErrorCodes.MetadataTooLarge, 431), (error.Id, error.Code));
        Assert.Equal(0, runs);

        // Beyond Kestrel's defaults (32 KiB in total, 16 KiB per header), when both sides allow it.
        await using var generous = cluster.CreateClient(new ClientOptions { MaxMetadataSize = 200 * 1024 });
        var reply = await generous.CallAsync<Echo, EchoReply>("meta", "Meta.Get", new Echo("x"), new CallOptions { Metadata = Big(100 * 1024) });
        Assert.Equal("102400", reply.Text);
    }

    [Fact]
    public async Task Curl_gets_every_early_http_answer_without_a_framing_error()
    {
        await using var cluster = new TestCluster();
        var node = await cluster.StartNodeAsync("early", b => b.Handle<Echo, EchoReply>("Early.Get", (req, ctx) => new EchoReply("ok", "")));
        var body = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(body, "{\"text\":\"" + new string('x', 256 * 1024) + "\"}");
            foreach (var (path, contentType, expected) in new[] { ("/early.Early/Nope", "application/json", "404"), ("/early.Early/Get", "text/xml", "415") })
            {
                for (var i = 0; i < 20; i++)
                {
                    var info = new ProcessStartInfo("curl", ["-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: " + contentType,
                        "--data-binary", "@" + body, $"http://{node.Address}{path}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
                    using var curl = Process.Start(info)!;
                    var output = await curl.StandardOutput.ReadToEndAsync();
                    var stderr = await curl.StandardError.ReadToEndAsync();
                    await curl.WaitForExitAsync();
                    Assert.True(curl.ExitCode == 0, $"curl exit {curl.ExitCode}: {stderr}");
                    Assert.Equal(expected, output);
                }
            }
        }
        finally
        {
            File.Delete(body);
        }
    }
}
