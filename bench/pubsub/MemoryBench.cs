using System.Diagnostics;
using Micro.Broker;
using Micro.Codec;

namespace Micro.Bench.PubSub;

/// <summary>The in-process broker: one publisher loop, one subscriber.</summary>
public static class MemoryBench
{
    public static async Task<Result> RunAsync(int count)
    {
        await using var broker = new MemoryBroker();
        var latencies = new Latencies(count);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = 0;
        await using var subscription = await broker.SubscribeAsync("bench.memory", (delivery, _) =>
        {
            latencies.Record(delivery.Message.Body.Span);
            if (Interlocked.Increment(ref handled) == count) done.TrySetResult();
            return ValueTask.FromResult(DeliveryOutcome.Ack);
        }, new SubscribeOptions { Group = "bench" });
        var headers = new Dictionary<string, string> { [BrokerHeaders.Id] = "x" };
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var body = new byte[128];
            Latencies.Stamp(body);
            await broker.PublishAsync(new BrokerMessage("bench.memory", body, headers));
        }
        await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var (p50, p99) = latencies.Percentiles();
        return new Result(count, count / seconds, p50, p99);
    }

    /// <summary>The same through the typed client path: codec, CloudEvents headers, decode.</summary>
    public static async Task<Result> RunTypedAsync(int count)
    {
        await using var broker = new MemoryBroker();
        var codecs = BenchJson.Codecs();
        var latencies = new Latencies(count);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = 0;
        var options = new SubscribeOptions { Group = "bench" };
        var handler = MessageSubscriber.Create<Tick>((tick, _) =>
        {
            latencies.Record(BitConverter.GetBytes(tick.Ticks));
            if (Interlocked.Increment(ref handled) == count) done.TrySetResult();
            return Task.CompletedTask;
        }, options, codecs);
        await using var subscription = await broker.SubscribeAsync("bench.typed", handler, options);
        var publisher = new MessagePublisher(() => broker, codecs, "bench");
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++) await publisher.PublishAsync("bench.typed", new Tick(DateTime.UtcNow.Ticks, i, "payload-of-some-length"));
        await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var (p50, p99) = latencies.Percentiles();
        return new Result(count, count / seconds, p50, p99);
    }
}

/// <summary>The typed message of the typed rounds.</summary>
public sealed record Tick(long Ticks, int Index, string Text);

/// <summary>Source-generated JSON for <see cref="Tick"/>.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Tick))]
public sealed partial class BenchJson : System.Text.Json.Serialization.JsonSerializerContext
{
    public static CodecRegistry Codecs() => new([new ProtobufCodec(), new JsonCodec([Default])]);
}
