using System.Diagnostics;
using Greeter;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Micro.OpenTelemetry.Tests;

/// <summary>
/// grpc-dotnet starts a <c>Grpc.Net.Client.GrpcOut</c> activity for every call made under a current activity. Micro's
/// span already describes the call, so the client keeps it from happening unless grpc-dotnet's instrumentation is
/// listened to; then grpc-dotnet's span is there, a child of Micro's.
/// </summary>
public class GrpcClientActivityTests
{
    private const string GrpcOut = "Grpc.Net.Client.GrpcOut";
    private static readonly ActivitySource s_test = new("Micro.OpenTelemetry.Tests.GrpcClient");

    [Fact]
    public async Task A_traced_call_starts_no_grpc_dotnet_activity_nobody_listens_to()
    {
        // Activities made with `new Activity(...)` (grpc-dotnet's when nobody listens to its source) are reported to
        // listeners of the unnamed source.
        var legacy = new List<Activity>();
        using var unnamed = new ActivityListener
        {
            ShouldListenTo = source => source.Name.Length == 0,
            ActivityStarted = activity => { lock (legacy) legacy.Add(activity); },
        };
        ActivitySource.AddActivityListener(unnamed);
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(s_test.Name).AddMicroInstrumentation().AddInMemoryExporter(spans).Build();
        var traceId = await CallUnderRootAsync("quiet");
        tracing.ForceFlush();

        var trace = spans.Where(s => s.TraceId == traceId).ToList();
        Assert.Equal(3, trace.Count); // root, call, server
        var call = Assert.Single(trace, s => s.Kind == ActivityKind.Client);
        Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == call.SpanId);
        lock (legacy) Assert.DoesNotContain(legacy, a => a.OperationName == GrpcOut && a.TraceId == traceId);
    }

    [Fact]
    public async Task With_grpc_dotnet_instrumentation_listened_to_its_span_is_a_child_of_the_call_span()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(s_test.Name, "Grpc.Net.Client").AddMicroInstrumentation()
            .AddInMemoryExporter(spans).Build();
        var traceId = await CallUnderRootAsync("loud");
        tracing.ForceFlush();

        var trace = spans.Where(s => s.TraceId == traceId).ToList();
        var call = Assert.Single(trace, s => s.Kind == ActivityKind.Client && s.Source.Name == "Micro");
        var grpc = Assert.Single(trace, s => s.OperationName == GrpcOut);
        Assert.Equal(call.SpanId, grpc.ParentSpanId);
        // The server's parent is still Micro's span: its traceparent is the one in the metadata.
        Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == call.SpanId);
    }

    /// <summary>One call to a fresh node under a root span of the test's; the trace id, once the call is done.</summary>
    private static async Task<ActivityTraceId> CallUnderRootAsync(string name)
    {
        await using var nodes = new Nodes();
        var service = Nodes.Unique(name);
        await nodes.StartAsync(service, s => s.Handle<HelloRequest, HelloReply>("Hello.Call", (req, ctx) => new HelloReply { Message = "ok" }));
        using var root = s_test.StartActivity("test");
        await nodes.Client().CallAsync<HelloRequest, HelloReply>(service, "Hello.Call", new HelloRequest());
        // The caller's span is current again after the call (the client hid it only while the attempt was on the wire).
        Assert.Same(root, Activity.Current);
        return root!.TraceId;
    }
}
