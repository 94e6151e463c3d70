using Greeter;
using Micro.Broker;
using Micro.Client;
using Micro.Errors;
using Micro.Registry;
using Micro.Selector;
using Micro.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Micro.OpenTelemetry.Tests;

public class MetricsTests
{
    [Fact]
    public async Task Calls_errors_retries_and_quarantines_are_counted_with_semantic_names_units_and_tags()
    {
        var exported = new List<Metric>();
        using var metrics = Sdk.CreateMeterProviderBuilder().AddMicroInstrumentation().AddInMemoryExporter(exported).Build();
        await using var nodes = new Nodes();
        var service = Nodes.Unique("metrics");
        var deadPort = TracingTests.FreePort();
        await nodes.Registry.RegisterAsync(new ServiceInfo { Name = service, Nodes = [new NodeInfo { Id = "dead-node", Address = $"127.0.0.1:{deadPort}" }] },
            new RegisterOptions { Ttl = TimeSpan.FromMinutes(1) });
        await nodes.StartAsync(service, s =>
        {
            s.Handle<HelloRequest, HelloReply>("Metrics.Ok", (req, ctx) => new HelloReply());
            s.Handle<HelloRequest, HelloReply>("Metrics.Missing", HelloReply (req, ctx) => throw MicroException.NotFound("test.missing", "nothing here"));
        });
        var client = nodes.Client(s => s.AddSingleton<ISelector>(new DeadFirst()));

        await client.CallAsync<HelloRequest, HelloReply>(service, "Metrics.Ok", new HelloRequest(), new CallOptions { Retries = 1 }); // dead node first: one retry
        for (var i = 0; i < 3; i++) await client.CallAsync<HelloRequest, HelloReply>(service, "Metrics.Ok", new HelloRequest());
        await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<HelloRequest, HelloReply>(service, "Metrics.Missing", new HelloRequest()));
        metrics.ForceFlush();

        var clientDuration = Single(exported, "rpc.client.duration");
        Assert.Equal("ms", clientDuration.Unit);
        Assert.Equal(MetricType.Histogram, clientDuration.MetricType);
        var okPoint = Point(clientDuration, ("rpc.service", $"{service}.Metrics"), ("rpc.method", "Ok"));
        Assert.Equal(4, okPoint.GetHistogramCount());
        Assert.Equal(("grpc", 0), ((string)Tag(okPoint, "rpc.system")!, (int)Tag(okPoint, "rpc.grpc.status_code")!));
        Assert.Equal(5, (int)Tag(Point(clientDuration, ("rpc.method", "Missing"), ("rpc.service", $"{service}.Metrics")), "rpc.grpc.status_code")!);

        var serverDuration = Single(exported, "rpc.server.duration");
        Assert.Equal("ms", serverDuration.Unit);
        Assert.Equal(4, Point(serverDuration, ("rpc.service", $"{service}.Metrics"), ("rpc.method", "Ok")).GetHistogramCount());

        var calls = Single(exported, "micro.client.calls");
        Assert.Equal("{call}", calls.Unit);
        Assert.Equal(4, Point(calls, ("micro.service", service), ("micro.endpoint", "Metrics.Ok")).GetSumLong());
        Assert.Null(Tag(Point(calls, ("micro.service", service), ("micro.endpoint", "Metrics.Ok")), "micro.error.id"));
        Assert.Equal(1, Point(Single(exported, "micro.client.errors"), ("micro.service", service), ("micro.error.id", "test.missing")).GetSumLong());
        Assert.Equal(1, Point(Single(exported, "micro.server.errors"), ("micro.service", service), ("micro.error.id", "test.missing")).GetSumLong());
        Assert.Equal(5, Points(Single(exported, "micro.server.calls"), ("micro.service", service)).Sum(p => p.GetSumLong()));

        var retries = Point(Single(exported, "micro.client.retries"), ("micro.service", service), ("micro.endpoint", "Metrics.Ok"));
        Assert.Equal((1L, (object?)ErrorCodes.Unavailable), (retries.GetSumLong(), Tag(retries, "micro.error.id")));
        Assert.Equal(1, Point(Single(exported, "micro.client.node.quarantines"), ("micro.service", service)).GetSumLong());
        Assert.Equal(0, Point(Single(exported, "micro.server.active_calls"), ("micro.service", service), ("micro.endpoint", "Metrics.Ok")).GetSumLong());
        var registryNodes = Single(exported, "micro.registry.nodes");
        Assert.Equal(("{node}", MetricType.LongGauge), (registryNodes.Unit, registryNodes.MetricType));
        Assert.Equal(2, Point(registryNodes, ("micro.service", service)).GetGaugeLastValueLong()); // the dead node and the live one
    }

    [Fact]
    public async Task Stable_conventions_record_call_durations_in_seconds()
    {
        var exported = new List<Metric>();
        using var metrics = Sdk.CreateMeterProviderBuilder().AddMicroInstrumentation().AddInMemoryExporter(exported).Build();
        await using var nodes = new Nodes();
        var service = Nodes.Unique("seconds");
        await nodes.StartAsync(service, s =>
        {
            s.Services.AddMicroTelemetry(o => o.SemanticConventionsOptIn = "rpc/dup");
            s.Handle<HelloRequest, HelloReply>("Seconds.Call", (req, ctx) => new HelloReply());
        });
        var client = nodes.Client(s => s.AddMicroTelemetry(o => o.SemanticConventionsOptIn = "rpc"));
        await client.CallAsync<HelloRequest, HelloReply>(service, "Seconds.Call", new HelloRequest());
        metrics.ForceFlush();

        var clientCall = Single(exported, "rpc.client.call.duration");
        Assert.Equal("s", clientCall.Unit);
        var point = Point(clientCall, ("rpc.method", $"{service}.Seconds/Call"));
        Assert.Equal(("grpc", "OK"), ((string)Tag(point, "rpc.system.name")!, (string)Tag(point, "rpc.response.status_code")!));
        Assert.True(point.GetHistogramSum() is > 0 and < 5, "seconds, not milliseconds");
        // rpc/dup on the server: both generations.
        Assert.Equal("s", Single(exported, "rpc.server.call.duration").Unit);
        Assert.Equal(1, Point(Single(exported, "rpc.server.duration"), ("rpc.service", $"{service}.Seconds")).GetHistogramCount());
        Assert.DoesNotContain(Points(exported.Where(m => m.Name == "rpc.client.duration")), p => Equals(Tag(p, "rpc.service"), $"{service}.Seconds"));
    }

    [Fact]
    public async Task Messaging_and_lock_waits_are_measured_with_semantic_names_units_and_tags()
    {
        var exported = new List<Metric>();
        using var metrics = Sdk.CreateMeterProviderBuilder().AddMicroInstrumentation().AddInMemoryExporter(exported).Build();
        await using var nodes = new Nodes();
        var broker = new MemoryBroker();
        var service = Nodes.Unique("consumer");
        var topic = Nodes.Unique("metrics") + ".event";
        var deadLetter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = await nodes.StartAsync(service, s =>
        {
            s.Services.AddSingleton<IBroker>(broker);
            s.Subscribe<HelloRequest>(topic, (e, ctx) =>
            {
                if (e.Name == "bad") throw new InvalidOperationException("never handled");
            }, o => o.Retry = new RetryPolicy { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(10), Jitter = 0 });
            // The dead letter arrives after the broker gave up on the second attempt: everything below has been recorded.
            s.Subscribe<HelloRequest>(topic + ".dlq", (e, ctx) => deadLetter.TrySetResult());
        });
        var client = nodes.Client(s => s.AddSingleton<IBroker>(broker));
        await client.PublishAsync(topic, new HelloRequest { Name = "ok" });
        await client.PublishAsync(topic, new HelloRequest { Name = "bad" });
        await deadLetter.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var sync = app.Services.GetRequiredService<Micro.Sync.ISync>();
        var lockId = Nodes.Unique("lock");
        await using (await sync.LockAsync(lockId))
            await Assert.ThrowsAsync<Micro.Sync.LockTimeoutException>(async () => await sync.LockAsync(lockId, new Micro.Sync.LockOptions { Wait = TimeSpan.FromMilliseconds(50) }));
        metrics.ForceFlush();

        var sent = Single(exported, "messaging.client.sent.messages");
        Assert.Equal(("{message}", MetricType.LongSum), (sent.Unit, sent.MetricType));
        Assert.Equal(2, Point(sent, ("messaging.system", "memory"), ("messaging.destination.name", topic), ("messaging.operation.name", "send")).GetSumLong());
        var publishDuration = Single(exported, "messaging.client.operation.duration");
        Assert.Equal(("s", MetricType.Histogram), (publishDuration.Unit, publishDuration.MetricType));
        Assert.Equal(2, Point(publishDuration, ("messaging.destination.name", topic)).GetHistogramCount());

        var consumedMessages = Single(exported, "messaging.client.consumed.messages");
        Assert.Equal("{message}", consumedMessages.Unit);
        Assert.Equal(3, Point(consumedMessages, ("messaging.system", "memory"), ("messaging.destination.name", topic),
            ("messaging.consumer.group.name", service), ("messaging.operation.name", "process")).GetSumLong()); // ok, bad twice
        var process = Single(exported, "messaging.process.duration");
        Assert.Equal(("s", MetricType.Histogram), (process.Unit, process.MetricType));
        var processed = Points(process, ("messaging.destination.name", topic));
        Assert.Equal(1, Assert.Single(processed, p => Tag(p, "error.type") is null).GetHistogramCount());
        Assert.Equal(2, Assert.Single(processed, p => Equals(Tag(p, "error.type"), "System.InvalidOperationException")).GetHistogramCount());

        // The broker's own counts, as the consuming service's container sees its broker.
        var redelivered = Single(exported, "micro.broker.redelivered");
        Assert.Equal(("{delivery}", MetricType.LongSum), (redelivered.Unit, redelivered.MetricType));
        Assert.Equal(1, Point(redelivered, ("messaging.system", "memory"), ("micro.service", service)).GetSumLong());
        Assert.Equal(1, Point(Single(exported, "micro.broker.dead_lettered"), ("messaging.system", "memory"), ("micro.service", service)).GetSumLong());
        var pending = Single(exported, "micro.broker.pending");
        Assert.Equal(("{message}", MetricType.LongGauge), (pending.Unit, pending.MetricType));
        Assert.Equal(0, Point(pending, ("micro.service", service)).GetGaugeLastValueLong());

        var wait = Single(exported, "micro.sync.lock.wait");
        Assert.Equal(("s", MetricType.Histogram), (wait.Unit, wait.MetricType));
        Assert.Equal(1, Point(wait, ("micro.sync.plugin", "memory"), ("micro.sync.kind", "lock"), ("micro.sync.outcome", "acquired")).GetHistogramCount());
        var timedOut = Point(wait, ("micro.sync.plugin", "memory"), ("micro.sync.kind", "lock"), ("micro.sync.outcome", "timeout"));
        Assert.Equal(1, timedOut.GetHistogramCount());
        Assert.True(timedOut.GetHistogramSum() >= 0.05, $"waited {timedOut.GetHistogramSum()} s, at least the 50 ms it was allowed");
    }

    private static Metric Single(List<Metric> exported, string name)
    {
        // The exporter may hand over the same instrument once per flush; the last one is the cumulative view.
        var found = exported.Where(m => m.Name == name).ToList();
        Assert.True(found.Count > 0, $"no metric {name}; exported: {string.Join(", ", exported.Select(m => m.Name).Distinct())}");
        return found[^1];
    }

    private static List<MetricPoint> Points(Metric metric, params (string Key, object Value)[] tags) => Points([metric], tags);

    private static List<MetricPoint> Points(IEnumerable<Metric> metrics, params (string Key, object Value)[] tags)
    {
        var result = new List<MetricPoint>();
        foreach (var metric in metrics)
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var copy = point;
                if (tags.All(t => Equals(Tag(copy, t.Key), t.Value))) result.Add(copy);
            }
        return result;
    }

    private static MetricPoint Point(Metric metric, params (string Key, object Value)[] tags) => Assert.Single(Points(metric, tags));

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key) return tag.Value;
        return null;
    }

    private sealed class DeadFirst : ISelector
    {
        public string Name => "dead-first";
        public NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes) => nodes.FirstOrDefault(n => n.Id == "dead-node") ?? nodes[0];
    }
}
