using System.Diagnostics;
using Greeter;
using Micro.Client;
using Micro.Errors;
using Micro.Registry;
using Micro.Selector;
using Micro.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Micro.OpenTelemetry.Tests;

public class TracingTests
{
    private static readonly ActivitySource s_test = new("Micro.OpenTelemetry.Tests");

    [Fact]
    public async Task A_call_through_three_services_is_one_trace_with_parent_links_and_rpc_attributes()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(s_test.Name).AddMicroInstrumentation().AddInMemoryExporter(spans).Build();
        await using var nodes = new Nodes();
        var (a, b, c) = (Nodes.Unique("a"), Nodes.Unique("b"), Nodes.Unique("c"));
        var nodeC = await nodes.StartAsync(c, s => s.Handle<HelloRequest, HelloReply>("C.Call", (req, ctx) => new HelloReply { Message = "c:" + req.Name }));
        var nodeB = await nodes.StartAsync(b, s => s.Handle<HelloRequest, HelloReply>("B.Call", async (req, ctx) =>
        {
            var reply = await ctx.Services.GetRequiredService<IMicroClient>().CallAsync<HelloRequest, HelloReply>(c, "C.Call", req);
            return new HelloReply { Message = "b:" + reply.Message };
        }));
        var nodeA = await nodes.StartAsync(a, s => s.Handle<HelloRequest, HelloReply>("A.Call", async (req, ctx) =>
        {
            var reply = await ctx.Services.GetRequiredService<IMicroClient>().CallAsync<HelloRequest, HelloReply>(b, "B.Call", req);
            return new HelloReply { Message = "a:" + reply.Message };
        }));
        var client = nodes.Client();

        ActivityTraceId traceId;
        using (var root = s_test.StartActivity("test"))
        {
            traceId = root!.TraceId;
            var reply = await client.CallAsync<HelloRequest, HelloReply>(a, "A.Call", new HelloRequest { Name = "Ada" });
            Assert.Equal("a:b:c:Ada", reply.Message);
        }
        tracing.ForceFlush();

        var trace = spans.Where(s => s.TraceId == traceId).ToList();
        var rootSpan = Assert.Single(trace, s => s.Source.Name == s_test.Name);
        var parent = rootSpan;
        foreach (var (service, endpoint, node) in new[] { (a, "A.Call", nodeA), (b, "B.Call", nodeB), (c, "C.Call", nodeC) })
        {
            var grpcService = service + "." + endpoint.Split('.')[0];
            var method = endpoint.Split('.')[1];
            var call = Assert.Single(trace, s => s.Kind == ActivityKind.Client && s.ParentSpanId == parent.SpanId);
            Assert.Equal($"{grpcService}/{method}", call.DisplayName);
            // One attempt that answered: the call span names the node and is the server span's parent.
            Assert.Null(call.GetTagItem(SemanticConventions.MicroAttempt));
            var server = Assert.Single(trace, s => s.ParentSpanId == call.SpanId);
            Assert.Equal((ActivityKind.Server, $"{grpcService}/{method}"), (server.Kind, server.DisplayName));
            foreach (var span in new[] { call, server })
            {
                Assert.Equal("grpc", span.GetTagItem("rpc.system"));
                Assert.Equal(grpcService, span.GetTagItem("rpc.service"));
                Assert.Equal(method, span.GetTagItem("rpc.method"));
                Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
                Assert.NotEqual(ActivityStatusCode.Error, span.Status);
            }
            var port = int.Parse(node.Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal("127.0.0.1", call.GetTagItem("server.address"));
            Assert.Equal(port, call.GetTagItem("server.port"));
            Assert.Equal(node.Node.Id, call.GetTagItem(SemanticConventions.MicroNodeId));
            parent = server;
        }
        Assert.Equal(7, trace.Count); // root + 3 x (call, server)
    }

    [Fact]
    public async Task A_retried_call_shows_both_attempts_the_failed_node_and_the_one_that_answered()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddMicroInstrumentation().AddInMemoryExporter(spans).Build();
        await using var nodes = new Nodes();
        var service = Nodes.Unique("retry");
        var deadPort = FreePort();
        await nodes.Registry.RegisterAsync(new ServiceInfo
        {
            Name = service,
            Nodes = [new NodeInfo { Id = "dead-node", Address = $"127.0.0.1:{deadPort}" }],
        }, new RegisterOptions { Ttl = TimeSpan.FromMinutes(1) });
        var live = await nodes.StartAsync(service, s => s.Handle<HelloRequest, HelloReply>("Retry.Call", (req, ctx) => new HelloReply { Message = "ok" }));
        var client = nodes.Client(s => s.AddSingleton<ISelector>(new DeadFirstSelector()));

        var reply = await client.CallAsync<HelloRequest, HelloReply>(service, "Retry.Call", new HelloRequest(), new CallOptions { Retries = 1 });
        Assert.Equal("ok", reply.Message);
        tracing.ForceFlush();

        var call = Assert.Single(spans, s => s.Kind == ActivityKind.Client && (string?)s.GetTagItem("rpc.service") == service + ".Retry"
            && s.GetTagItem(SemanticConventions.MicroAttempt) is null);
        // The failed first attempt is recorded after the fact with its real times; the retry is a span of its own.
        var attempts = spans.Where(s => s.ParentSpanId == call.SpanId).OrderBy(s => (int)s.GetTagItem(SemanticConventions.MicroAttempt)!).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Equal(("dead-node", deadPort, ActivityStatusCode.Error), ((string)attempts[0].GetTagItem(SemanticConventions.MicroNodeId)!, (int)attempts[0].GetTagItem("server.port")!, attempts[0].Status));
        Assert.Equal(ErrorCodes.Unavailable, attempts[0].GetTagItem("error.type"));
        Assert.Equal(14, attempts[0].GetTagItem("rpc.grpc.status_code"));
        Assert.Equal((live.Node.Id, 0), ((string)attempts[1].GetTagItem(SemanticConventions.MicroNodeId)!, (int)attempts[1].GetTagItem("rpc.grpc.status_code")!));
        Assert.True(attempts[1].StartTimeUtc >= attempts[0].StartTimeUtc + attempts[0].Duration, "the retry starts after the first attempt ended");
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.ParentSpanId == attempts[1].SpanId);
        Assert.Equal(call.TraceId, server.TraceId);
        Assert.NotEqual(ActivityStatusCode.Error, call.Status);
    }

    [Fact]
    public async Task A_call_that_fails_before_any_attempt_still_gets_its_span_under_the_callers()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(s_test.Name).AddMicroInstrumentation().AddInMemoryExporter(spans).Build();
        await using var nodes = new Nodes();
        var client = nodes.Client();
        var service = Nodes.Unique("nowhere");

        ActivitySpanId rootId;
        using (var root = s_test.StartActivity("test"))
        {
            rootId = root!.SpanId;
            var error = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<HelloRequest, HelloReply>(service, "Nowhere.Call", new HelloRequest()));
            Assert.Equal(ErrorCodes.ServiceNotFound, error.Id);
            // The caller's activity is current again once the call has failed.
            Assert.Same(root, Activity.Current);
        }
        tracing.ForceFlush();

        var call = Assert.Single(spans, s => s.Kind == ActivityKind.Client && (string?)s.GetTagItem("rpc.service") == service + ".Nowhere");
        Assert.Equal(rootId, call.ParentSpanId);
        Assert.Equal((ActivityStatusCode.Error, ErrorCodes.ServiceNotFound), (call.Status, call.GetTagItem("error.type")));
        Assert.Null(call.GetTagItem("server.address")); // no node was chosen
    }

    [Fact]
    public async Task The_call_span_covers_the_whole_call_and_the_callers_activity_is_current_after_it()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(s_test.Name).AddMicroInstrumentation().AddInMemoryExporter(spans).Build();
        await using var nodes = new Nodes();
        var service = Nodes.Unique("current");
        await nodes.StartAsync(service, s => s.Handle<HelloRequest, HelloReply>("Current.Call", (req, ctx) => new HelloReply { Message = "ok" }));
        // Each client's first lookup takes a while: the call span must start before it, when the call does.
        var lookup = TimeSpan.FromMilliseconds(200);
        var plain = nodes.Client(s => s.AddSingleton<IRegistry>(new SlowFirstLookup(nodes.Registry, lookup)));
        Activity? seenByMiddleware = null;
        var withMiddleware = nodes.Client(s => s
            .AddSingleton<IRegistry>(new SlowFirstLookup(nodes.Registry, lookup))
            .AddSingleton<Middleware.IClientMiddleware>(new SeeCurrent(a => seenByMiddleware = a)));

        foreach (var client in new[] { plain, withMiddleware })
        {
            spans.Clear();
            using var root = s_test.StartActivity("test");
            var before = DateTime.UtcNow;
            await client.CallAsync<HelloRequest, HelloReply>(service, "Current.Call", new HelloRequest());
            var after = DateTime.UtcNow;
            Assert.Same(root, Activity.Current);
            tracing.ForceFlush();
            var call = Assert.Single(spans, s => s.Kind == ActivityKind.Client && (string?)s.GetTagItem("rpc.service") == service + ".Current");
            var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.ParentSpanId == call.SpanId);
            Assert.Equal(root!.SpanId, call.ParentSpanId);
            // Started when the call was (before the node was looked up and picked), ended after the answer.
            Assert.InRange(call.StartTimeUtc, before.AddMilliseconds(-1), before + lookup / 2);
            Assert.True(call.StartTimeUtc < server.StartTimeUtc);
            Assert.InRange(call.StartTimeUtc + call.Duration, server.StartTimeUtc + server.Duration, after.AddMilliseconds(1));
        }
        // The application's client middleware runs under the call span.
        Assert.Equal(ActivityKind.Client, seenByMiddleware?.Kind);
    }

    /// <summary>The shared registry, with the first lookup of each service taking <paramref name="delay"/>.</summary>
    private sealed class SlowFirstLookup(IRegistry inner, TimeSpan delay) : IRegistry
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _looked = new();

        public string Name => inner.Name;

        public Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default) =>
            inner.RegisterAsync(service, options, cancellationToken);

        public Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default) => inner.DeregisterAsync(service, cancellationToken);

        public async Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default)
        {
            if (_looked.TryAdd(name, true)) await Task.Delay(delay, cancellationToken);
            return await inner.GetServiceAsync(name, cancellationToken);
        }

        public Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default) => inner.ListServicesAsync(cancellationToken);

        public IAsyncEnumerable<RegistryEvent> WatchAsync(string? service = null, CancellationToken cancellationToken = default) =>
            inner.WatchAsync(service, cancellationToken);
    }

    private sealed class SeeCurrent(Action<Activity?> see) : Middleware.IClientMiddleware
    {
        public Task<object?> InvokeAsync(Middleware.ClientCall call, Middleware.ClientCallHandler next)
        {
            see(Activity.Current);
            return next(call);
        }
    }

    [Fact]
    public async Task Stable_conventions_on_opt_in_use_the_new_attribute_names()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddMicroInstrumentation().AddInMemoryExporter(spans).Build();
        await using var nodes = new Nodes();
        var service = Nodes.Unique("stable");
        await nodes.StartAsync(service, s =>
        {
            s.Services.AddMicroTelemetry(o => o.SemanticConventionsOptIn = "http,rpc");
            s.Handle<HelloRequest, HelloReply>("Stable.Call", HelloReply (req, ctx) => throw MicroException.NotFound("test.missing", "no such thing"));
        });
        var client = nodes.Client(s => s.AddMicroTelemetry(o => o.SemanticConventionsOptIn = "rpc"));

        var error = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<HelloRequest, HelloReply>(service, "Stable.Call", new HelloRequest()));
        Assert.Equal("test.missing", error.Id);
        tracing.ForceFlush();

        var mine = spans.Where(s => (string?)s.GetTagItem("rpc.method") == $"{service}.Stable/Call").ToList();
        Assert.Equal(3, mine.Count); // call, the failed attempt (recorded as it failed) and server
        foreach (var span in mine)
        {
            Assert.Equal("grpc", span.GetTagItem("rpc.system.name"));
            Assert.Equal($"{service}.Stable/Call", span.GetTagItem("rpc.method"));
            Assert.Equal("NOT_FOUND", span.GetTagItem("rpc.response.status_code"));
            Assert.Equal("test.missing", span.GetTagItem("error.type"));
            Assert.Null(span.GetTagItem("rpc.system"));
            Assert.Null(span.GetTagItem("rpc.grpc.status_code"));
        }
        // NOT_FOUND is the caller's problem, not the server's: only client spans are marked as errors.
        Assert.All(mine, s => Assert.Equal(s.Kind == ActivityKind.Client ? ActivityStatusCode.Error : ActivityStatusCode.Unset, s.Status));
    }

    [Fact]
    public async Task A_stream_span_and_duration_cover_the_whole_stream_not_just_opening_it()
    {
        var spans = new List<Activity>();
        var exported = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddMicroInstrumentation().AddInMemoryExporter(spans).Build();
        using var metrics = Sdk.CreateMeterProviderBuilder().AddMicroInstrumentation().AddInMemoryExporter(exported).Build();
        await using var nodes = new Nodes();
        var service = Nodes.Unique("streams");
        await nodes.StartAsync(service, s =>
        {
            s.HandleServerStream<HelloRequest, HelloReply>("Stream.Count", async (req, writer, ctx) =>
            {
                for (var i = 0; i < 3; i++) await writer.WriteAsync(new HelloReply { Message = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            });
            s.HandleStream<HelloRequest, HelloReply>("Stream.Echo", async (requests, writer, ctx) =>
            {
                await foreach (var request in requests) await writer.WriteAsync(new HelloReply { Message = request.Name });
            });
        });
        var client = nodes.Client();

        var counted = 0;
        var countRead = DateTime.MinValue;
        await foreach (var reply in client.ServerStreamAsync<HelloRequest, HelloReply>(service, "Stream.Count", new HelloRequest()))
        {
            counted++;
            countRead = DateTime.UtcNow; // the stream ends after its last message has been read
        }
        DateTime echoRead;
        await using (var stream = await client.StreamAsync<HelloRequest, HelloReply>(service, "Stream.Echo"))
        {
            await stream.SendAsync(new HelloRequest { Name = "one" });
            await stream.SendAsync(new HelloRequest { Name = "two" });
            await stream.CompleteAsync();
            var echoed = new List<string>();
            await foreach (var reply in stream.ReadAllAsync()) echoed.Add(reply.Message);
            Assert.Equal(["one", "two"], echoed);
            echoRead = DateTime.UtcNow;
        }
        Assert.Equal(3, counted);
        tracing.ForceFlush();
        metrics.ForceFlush();

        foreach (var (endpoint, lastRead) in new[] { ("Stream.Count", countRead), ("Stream.Echo", echoRead) })
        {
            var (grpcService, method) = (service + "." + endpoint.Split('.')[0], endpoint.Split('.')[1]);
            var call = Assert.Single(spans, s => s.Kind == ActivityKind.Client && (string?)s.GetTagItem("rpc.service") == grpcService
                && (string?)s.GetTagItem("rpc.method") == method);
            Assert.True(call.StartTimeUtc + call.Duration >= lastRead, $"{endpoint}: the span ended when the stream was opened, not when it ended");
            Assert.Equal(0, call.GetTagItem("rpc.grpc.status_code"));
            var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.ParentSpanId == call.SpanId);
            Assert.Equal((grpcService, method), (server.GetTagItem("rpc.service"), server.GetTagItem("rpc.method")));
        }
        var durations = exported.Where(m => m.Name == "rpc.client.duration").ToList();
        Assert.NotEmpty(durations);
        foreach (var method in new[] { "Count", "Echo" })
        {
            long count = 0;
            foreach (ref readonly var point in durations[^1].GetMetricPoints())
            {
                var service_ = "";
                var method_ = "";
                foreach (var tag in point.Tags)
                {
                    if (tag.Key == "rpc.service") service_ = (string)tag.Value!;
                    if (tag.Key == "rpc.method") method_ = (string)tag.Value!;
                }
                if (service_ == service + ".Stream" && method_ == method) count += point.GetHistogramCount();
            }
            Assert.Equal(1, count);
        }
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends the first attempt to the node that is not there, so the call must retry.</summary>
    private sealed class DeadFirstSelector : ISelector
    {
        public string Name => "dead-first";
        public NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes) => nodes.FirstOrDefault(n => n.Id == "dead-node") ?? nodes[0];
    }
}
