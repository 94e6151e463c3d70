using System.Collections.Concurrent;
using System.Diagnostics;
using Micro.Broker;
using Micro.Conformance;
using Micro.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Micro.Nats.Tests.Broker;

/// <summary>Publish and process spans on JetStream (the shared server): the same typed path as every other broker.</summary>
public sealed class NatsTracingTests
{
    [Fact]
    public async Task A_publish_and_its_delivery_over_JetStream_are_one_trace_with_messaging_attributes()
    {
        var stopped = new ConcurrentQueue<Activity>();
        var processed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Telemetry.MicroTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                stopped.Enqueue(activity);
                if (activity.Kind == ActivityKind.Consumer) processed.TrySetResult();
            },
        };
        ActivitySource.AddActivityListener(listener);
        var run = Guid.NewGuid().ToString("N")[..8];
        var topic = $"traced{run}.event";
        var service = "tracing" + run;
        var builder = MicroService.CreateBuilder([], service);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IRegistry>(new MemoryRegistry());
        builder.Services.AddNatsPlugins();
        builder.Services.UseBroker("nats", o => { o.Address = TestServers.Nats; o.StreamPrefix = "MICROTEST_"; });
        builder.Services.AddMicroJson(TracingJson.Default);
        builder.Subscribe<Traced>(topic, (e, ctx) => { });
        await using var app = builder.Build();
        await app.StartAsync();
        try
        {
            await app.Client.PublishAsync(topic, new Traced("hello"));
            await processed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await app.StopAsync();
            await using var connection = new NatsConnection(NatsOpts.Default with { Url = "nats://" + TestServers.Nats });
            try { await new NatsJSContext(connection).DeleteStreamAsync($"MICROTEST_traced{run}"); }
            catch (NatsJSApiException) { /* no stream was made */ }
        }

        var send = Assert.Single(stopped, a => a.Kind == ActivityKind.Producer && a.DisplayName == "send " + topic);
        var process = Assert.Single(stopped, a => a.Kind == ActivityKind.Consumer && a.DisplayName == "process " + topic);
        Assert.Equal((send.TraceId, send.SpanId), (process.TraceId, process.ParentSpanId));
        foreach (var span in new[] { send, process })
        {
            Assert.Equal("nats", span.GetTagItem("messaging.system"));
            Assert.Equal(topic, span.GetTagItem("messaging.destination.name"));
        }
        Assert.Equal(service, process.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal(send.GetTagItem("messaging.message.id"), process.GetTagItem("messaging.message.id"));
    }
}

/// <summary>The event the test publishes.</summary>
public sealed record Traced(string Text);

[System.Text.Json.Serialization.JsonSerializable(typeof(Traced))]
internal sealed partial class TracingJson : System.Text.Json.Serialization.JsonSerializerContext;
