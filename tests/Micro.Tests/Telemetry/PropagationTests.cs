using System.Globalization;
using System.Collections.Concurrent;
using System.Diagnostics;
using Micro.Broker;
using Micro.Client;
using Micro.Registry;
using Micro.Telemetry;
using Micro.Tests.Rpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.Telemetry;

/// <summary>Tracing with nothing but System.Diagnostics listening: no OpenTelemetry SDK involved.</summary>
public class PropagationTests
{
    private static readonly ActivitySource s_caller = new("Micro.Tests.Caller");

    [Fact]
    public async Task A_hand_built_client_carries_the_callers_trace_to_the_handler()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped);
        await using var cluster = new TestCluster();
        ActivityContext seenByHandler = default;
        await cluster.StartNodeAsync("traced", b => b.Handle<Echo, EchoReply>("Traced.Echo", (req, ctx) =>
        {
            seenByHandler = Activity.Current!.Context;
            return new EchoReply(req.Text, "");
        }));
        await using var client = cluster.CreateClient(); // no container: no call span, but attempt spans and propagation

        ActivityContext caller;
        using (var root = s_caller.StartActivity("caller")!)
        {
            caller = root.Context;
            await client.CallAsync<Echo, EchoReply>("traced", "Traced.Echo", new Echo("x"));
        }
        Assert.Equal(caller.TraceId, seenByHandler.TraceId);
        var server = Assert.Single(stopped, a => a.Kind == ActivityKind.Server && a.TraceId == caller.TraceId);
        Assert.Equal(seenByHandler.SpanId, server.SpanId);
        var attempt = Assert.Single(stopped, a => a.SpanId == server.ParentSpanId);
        Assert.Equal((ActivityKind.Client, caller.SpanId), (attempt.Kind, attempt.ParentSpanId));
    }

    [Fact]
    public async Task Concurrent_calls_each_carry_their_own_span_to_the_handler()
    {
        // The client writes each attempt's traceparent into per-thread scratch metadata (TraceContext.InjectForUnaryStart):
        // calls racing on every thread must still each reach the handler with their own span as the parent.
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped);
        await using var cluster = new TestCluster();
        var seen = new ConcurrentDictionary<string, (ActivityTraceId Trace, ActivitySpanId Parent)>();
        await cluster.StartNodeAsync("fanned", b => b.Handle<Echo, EchoReply>("Fanned.Echo", (req, ctx) =>
        {
            var server = Activity.Current!;
            seen[req.Text] = (server.TraceId, server.ParentSpanId);
            return new EchoReply(req.Text, "");
        }));
        await using var client = cluster.CreateClient();
        var callers = new ConcurrentDictionary<string, ActivityContext>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            using var root = s_caller.StartActivity("caller")!;
            callers[i.ToString(CultureInfo.InvariantCulture)] = root.Context;
            await client.CallAsync<Echo, EchoReply>("fanned", "Fanned.Echo", new Echo(i.ToString(CultureInfo.InvariantCulture)), cancellationToken: ct);
        });
        Assert.Equal(300, seen.Count);
        var attempts = stopped.Where(a => a.Kind == ActivityKind.Client).ToDictionary(a => a.SpanId);
        foreach (var (text, caller) in callers)
        {
            var (trace, parent) = seen[text];
            Assert.Equal(caller.TraceId, trace);
            Assert.Equal(caller.SpanId, attempts[parent].ParentSpanId);
        }
    }

    [Fact]
    public void A_publish_and_its_delivery_are_one_trace()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = Listen(stopped);
        var headers = new Dictionary<string, string>();
        using (var publish = MessagingSpans.StartPublish("micro", "user.created", "m-1", headers)) Assert.NotNull(publish);

        var process = MessagingSpans.StartProcess("micro", "user.created", "mailer", "m-1", 1, headers);
        MessagingSpans.End(process, null);

        var sent = Assert.Single(stopped, a => a.Kind == ActivityKind.Producer);
        var handled = Assert.Single(stopped, a => a.Kind == ActivityKind.Consumer);
        Assert.Equal((sent.TraceId, sent.SpanId), (handled.TraceId, handled.ParentSpanId));
        Assert.Equal(("send user.created", "process user.created"), (sent.DisplayName, handled.DisplayName));
        Assert.Equal(("micro", "user.created", "send"), (sent.GetTagItem("messaging.system"), sent.GetTagItem("messaging.destination.name"), sent.GetTagItem("messaging.operation.type")));
        Assert.Equal(("process", "mailer", "m-1"), (handled.GetTagItem("messaging.operation.type"), handled.GetTagItem("messaging.consumer.group.name"), handled.GetTagItem("messaging.message.id")));
    }

    [Fact]
    public async Task Retries_quarantines_and_registry_changes_are_logged_with_their_event_ids_and_no_metadata()
    {
        await using var cluster = new TestCluster();
        var logs = new CapturingLoggerProvider();
        var caller = await cluster.StartNodeAsync("caller", b =>
        {
            b.Logging.AddProvider(logs);
            b.Logging.AddFilter("Micro.Client", LogLevel.Debug);
        });
        var deadPort = GeneratedClientTests.FreePort();
        await cluster.Registry.RegisterAsync(new ServiceInfo { Name = "flaky", Nodes = [new NodeInfo { Id = "flaky-dead", Address = $"127.0.0.1:{deadPort}" }] },
            new RegisterOptions { Ttl = TimeSpan.FromMinutes(1) });
        await cluster.StartNodeAsync("flaky", b => b.Handle<Echo, EchoReply>("Flaky.Echo", (req, ctx) => new EchoReply(req.Text, "")));

        var secret = "Bearer s3cr3t-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < 20 && !logs.Has(101); i++) // the selector is random: call until one call met the dead node first
            await caller.Client.CallAsync<Echo, EchoReply>("flaky", "Flaky.Echo", new Echo("x"),
                new CallOptions { Retries = 1, Metadata = new Dictionary<string, string> { ["authorization"] = secret } });

        Assert.Contains(logs.Entries, e => e.Id == 101 && e.Message.Contains("flaky-dead") && e.Message.Contains("micro."));
        Assert.Contains(logs.Entries, e => e.Id == 102 && e.Message.Contains("quarantined"));
        // The client watches the registry from its first call on: a node that joins now is a change it logs.
        var changed = logs.WhenLogged(103);
        await cluster.StartNodeAsync("flaky", b => b.Handle<Echo, EchoReply>("Flaky.Echo", (req, ctx) => new EchoReply(req.Text, "")));
        await changed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(logs.Entries, e => e.Id == 103 && e.Message.Contains("Registry change: flaky"));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("s3cr3t"));
    }

    [Fact]
    public async Task Redeliveries_and_dead_letters_are_logged_with_their_event_ids_and_no_exception_text()
    {
        await using var cluster = new TestCluster();
        var logs = new CapturingLoggerProvider();
        var topic = "failing" + Guid.NewGuid().ToString("N")[..8] + ".event";
        var secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
        var deadLettered = logs.WhenLogged(302);
        var node = await cluster.StartNodeAsync("failing", b =>
        {
            b.Logging.AddProvider(logs);
            b.Logging.AddFilter("Micro.Broker", LogLevel.Information);
            b.Services.UseMemoryBroker();
            b.Subscribe<Echo>(topic, (e, ctx) => throw new InvalidOperationException(secret),
                o => o.Retry = new Micro.Broker.RetryPolicy { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(10), Jitter = 0 });
        });
        await node.Client.PublishAsync(topic, new Echo("x"));
        await deadLettered.WaitAsync(TimeSpan.FromSeconds(10));

        var redelivery = Assert.Single(logs.Entries, e => e.Id == 301);
        Assert.Contains(topic, redelivery.Message);
        Assert.Contains("attempt 1 ended with System.InvalidOperationException", redelivery.Message);
        var deadLetter = Assert.Single(logs.Entries, e => e.Id == 302);
        Assert.Contains("after 2 attempt(s)", deadLetter.Message);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(secret));
    }

    private static ActivityListener Listen(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is MicroTelemetry.ActivitySourceName or "Micro.Tests.Caller",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(int Id, string Message)> Entries { get; } = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _waiting = new();
        public bool Has(int id) => Entries.Any(e => e.Id == id);
        public Task WhenLogged(int id) => _waiting.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        public ILogger CreateLogger(string categoryName) => new Logger(this);
        public void Dispose() { }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                owner.Entries.Enqueue((eventId.Id, formatter(state, exception)));
                if (owner._waiting.TryGetValue(eventId.Id, out var waiting)) waiting.TrySetResult();
            }
        }
    }
}
