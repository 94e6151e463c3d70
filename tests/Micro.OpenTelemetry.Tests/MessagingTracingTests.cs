using System.Diagnostics;
using Greeter;
using Micro.Broker;
using Micro.Client;
using Micro.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Micro.OpenTelemetry.Tests;

/// <summary>Publish and consume spans, recorded for every broker by the typed publish and subscribe path.</summary>
public class MessagingTracingTests
{
    private static readonly ActivitySource s_test = new("Micro.OpenTelemetry.Tests.Messaging");

    /// <summary>Each app on the broker under test: one shared in-process memory broker, or each its own HTTP broker.</summary>
    private static Action<IServiceCollection> Broker(string kind)
    {
        var shared = new MemoryBroker();
        return kind == "memory"
            ? services => services.AddSingleton<IBroker>(shared)
            : services => services.UseHttpBroker(o => o.Outbox = "memory");
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("http")]
    public async Task A_call_through_three_services_that_publishes_is_one_trace_through_the_consumer(string broker)
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(s_test.Name).AddMicroInstrumentation().AddInMemoryExporter(spans).Build();
        using var consumed = new ConsumerSpans();
        var useBroker = Broker(broker);
        await using var nodes = new Nodes();
        var (a, b, c, d) = (Nodes.Unique("a"), Nodes.Unique("b"), Nodes.Unique("c"), Nodes.Unique("d"));
        var topic = Nodes.Unique("hello") + ".said";
        var handled = new TaskCompletionSource<(ActivityTraceId Trace, string? Name)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await nodes.StartAsync(d, s =>
        {
            useBroker(s.Services);
            s.Subscribe<HelloRequest>(topic, (e, ctx) => handled.TrySetResult((Activity.Current?.TraceId ?? default, e.Name)));
        });
        await nodes.StartAsync(c, s =>
        {
            useBroker(s.Services);
            s.Handle<HelloRequest, HelloReply>("C.Call", async (req, ctx) =>
            {
                await ctx.Services.GetRequiredService<IMicroClient>().PublishAsync(topic, req);
                return new HelloReply { Message = "c:" + req.Name };
            });
        });
        await nodes.StartAsync(b, s =>
        {
            useBroker(s.Services);
            s.Handle<HelloRequest, HelloReply>("B.Call", async (req, ctx) =>
                new HelloReply { Message = "b:" + (await ctx.Services.GetRequiredService<IMicroClient>().CallAsync<HelloRequest, HelloReply>(c, "C.Call", req)).Message });
        });
        await nodes.StartAsync(a, s =>
        {
            useBroker(s.Services);
            s.Handle<HelloRequest, HelloReply>("A.Call", async (req, ctx) =>
                new HelloReply { Message = "a:" + (await ctx.Services.GetRequiredService<IMicroClient>().CallAsync<HelloRequest, HelloReply>(b, "B.Call", req)).Message });
        });
        var client = nodes.Client(useBroker);

        ActivityTraceId traceId;
        using (var root = s_test.StartActivity("test"))
        {
            root!.TraceStateString = "micro=test"; // tracestate travels with traceparent: RPC metadata, then message headers
            traceId = root.TraceId;
            var reply = await client.CallAsync<HelloRequest, HelloReply>(a, "A.Call", new HelloRequest { Name = "Ada" });
            Assert.Equal("a:b:c:Ada", reply.Message);
        }
        var delivered = await handled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((traceId, "Ada"), delivered);
        await consumed.Ended.WaitAsync(TimeSpan.FromSeconds(30));
        tracing.ForceFlush();

        List<Activity> trace;
        lock (spans) trace = spans.Where(s => s.TraceId == traceId).ToList();
        var parent = Assert.Single(trace, s => s.Source.Name == s_test.Name);
        foreach (var (service, endpoint) in new[] { (a, "A.Call"), (b, "B.Call"), (c, "C.Call") })
        {
            var call = Assert.Single(trace, s => s.Kind == ActivityKind.Client && s.ParentSpanId == parent.SpanId);
            var grpcService = service + "." + endpoint.Split('.')[0];
            Assert.Equal(grpcService, call.GetTagItem("rpc.service"));
            parent = Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == call.SpanId);
            Assert.Equal((grpcService, endpoint.Split('.')[1]), (parent.GetTagItem("rpc.service"), parent.GetTagItem("rpc.method")));
        }
        // C's handler published: the producer span is a child of C's server span, the consumer span a child of it.
        var send = Assert.Single(trace, s => s.Kind == ActivityKind.Producer);
        Assert.Equal(parent.SpanId, send.ParentSpanId);
        Assert.Equal("send " + topic, send.DisplayName);
        var process = Assert.Single(trace, s => s.Kind == ActivityKind.Consumer);
        Assert.Equal(send.SpanId, process.ParentSpanId);
        Assert.Equal("process " + topic, process.DisplayName);
        Assert.Equal("micro=test", process.TraceStateString);
        foreach (var (span, operation) in new[] { (send, "send"), (process, "process") })
        {
            Assert.Equal(broker, span.GetTagItem("messaging.system"));
            Assert.Equal(topic, span.GetTagItem("messaging.destination.name"));
            Assert.Equal(operation, span.GetTagItem("messaging.operation.type"));
            Assert.Equal(operation, span.GetTagItem("messaging.operation.name"));
            Assert.NotEqual(ActivityStatusCode.Error, span.Status);
        }
        Assert.NotNull(send.GetTagItem("messaging.message.id"));
        Assert.Equal(send.GetTagItem("messaging.message.id"), process.GetTagItem("messaging.message.id"));
        Assert.Equal(d, process.GetTagItem("messaging.consumer.group.name")); // the subscribing service's group
        Assert.Equal((1, "ack"), ((int)process.GetTagItem(SemanticConventions.MicroAttempt)!, (string)process.GetTagItem(SemanticConventions.MicroBrokerOutcome)!));
        Assert.Equal(1 + 3 * 2 + 2, trace.Count); // root, 3 x (call, server), send, process: nothing else in the trace
    }

    [Fact]
    public async Task A_failed_delivery_and_its_redelivery_are_two_process_spans_under_the_one_publish()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddMicroInstrumentation().AddInMemoryExporter(spans).Build();
        using var consumed = new ConsumerSpans(count: 2);
        var useBroker = Broker("memory");
        await using var nodes = new Nodes();
        var topic = Nodes.Unique("flaky") + ".event";
        var attempts = 0;
        await nodes.StartAsync(Nodes.Unique("flaky"), s =>
        {
            useBroker(s.Services);
            s.Subscribe<HelloRequest>(topic, (e, ctx) =>
            {
                if (Interlocked.Increment(ref attempts) == 1) throw new InvalidOperationException("first delivery fails");
            }, o => o.Retry = new RetryPolicy { InitialDelay = TimeSpan.FromMilliseconds(10), Jitter = 0 });
        });
        var client = nodes.Client(useBroker);
        await client.PublishAsync(topic, new HelloRequest { Name = "again" });
        await consumed.Ended.WaitAsync(TimeSpan.FromSeconds(30));
        tracing.ForceFlush();

        Activity send;
        List<Activity> processes;
        lock (spans)
        {
            send = Assert.Single(spans, s => s.Kind == ActivityKind.Producer && s.DisplayName == "send " + topic);
            processes = [.. spans.Where(s => s.Kind == ActivityKind.Consumer && s.ParentSpanId == send.SpanId).OrderBy(s => (int)s.GetTagItem(SemanticConventions.MicroAttempt)!)];
        }
        Assert.Equal(2, processes.Count);
        Assert.Equal((ActivityStatusCode.Error, "System.InvalidOperationException", "retry"),
            (processes[0].Status, (string?)processes[0].GetTagItem("error.type"), (string?)processes[0].GetTagItem(SemanticConventions.MicroBrokerOutcome)));
        Assert.Equal((ActivityStatusCode.Unset, (string?)null, "ack"),
            (processes[1].Status, (string?)processes[1].GetTagItem("error.type"), (string?)processes[1].GetTagItem(SemanticConventions.MicroBrokerOutcome)));
        Assert.Equal(2, (int)processes[1].GetTagItem(SemanticConventions.MicroAttempt)!);
    }

    /// <summary>Signals when Micro's consumer spans have ended (the handler returns before its span does).</summary>
    private sealed class ConsumerSpans : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _left;

        public ConsumerSpans(int count = 1)
        {
            _left = count;
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == MicroTelemetry.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
                ActivityStopped = a =>
                {
                    if (a.Kind == ActivityKind.Consumer && Interlocked.Decrement(ref _left) == 0) _ended.TrySetResult();
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public Task Ended => _ended.Task;

        public void Dispose() => _listener.Dispose();
    }
}
