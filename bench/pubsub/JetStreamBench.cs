using System.Diagnostics;
using Micro.Broker;
using Micro.Codec;
using Micro.Nats.Broker;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Micro.Bench.PubSub;

/// <summary>
/// The same work through Micro and through NATS.Net directly: a file-storage stream, 256 publishes in flight each
/// awaiting its ack, one durable pull consumer acking every message. Micro's side is the typed client path
/// (codec, CloudEvents headers, dedup id) to the typed handler; raw publishes the same JSON bytes, no headers.
/// </summary>
public static class JetStreamBench
{
    private const int InFlight = 256;

    public static async Task<Result> RunMicroAsync(string address, int count)
    {
        var run = "b" + Guid.NewGuid().ToString("N")[..10];
        var options = new BrokerOptions { Address = address, StreamPrefix = "MICROBENCH_" };
        await using var publisherBroker = new NatsJetStreamBroker(options);
        await using var subscriberBroker = new NatsJetStreamBroker(options);
        var codecs = BenchJson.Codecs();
        var latencies = new Latencies(count);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = 0;
        var subscribeOptions = new SubscribeOptions { Group = "bench" };
        var handler = MessageSubscriber.Create<Tick>((tick, _) =>
        {
            latencies.Record(BitConverter.GetBytes(tick.Ticks));
            if (Interlocked.Increment(ref handled) == count) done.TrySetResult();
            return Task.CompletedTask;
        }, subscribeOptions, codecs);
        var topic = run + ".events";
        await using (await subscriberBroker.SubscribeAsync(topic, handler, subscribeOptions))
        {
            var publisher = new MessagePublisher(() => publisherBroker, codecs, "bench");
            await publisher.PublishAsync(run + ".warm", new Tick(0, 0, "")); // stream created outside the timing
            var cpu = new CpuMeter(address);
            var start = Stopwatch.GetTimestamp();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) < count)
                    await publisher.PublishAsync(topic, new Tick(DateTime.UtcNow.Ticks, next, "payload-of-some-length"));
            })));
            await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var measured = cpu.Stop(new Result(count, count / seconds, 0, 0));
            var (p50, p99) = latencies.Percentiles();
            await DeleteStreamAsync(address, "MICROBENCH_" + run);
            return measured with { P50Ms = p50, P99Ms = p99 };
        }
    }

    /// <param name="headers">Publish the header set Micro sends (CloudEvents attributes, dedup id): the same bytes on the wire.</param>
    public static async Task<Result> RunRawAsync(string address, int count, bool headers = false)
    {
        var run = "r" + Guid.NewGuid().ToString("N")[..10];
        var opts = NatsOpts.Default with { Url = "nats://" + address };
        await using var publisherConnection = new NatsConnection(opts);
        await using var subscriberConnection = new NatsConnection(opts);
        var publisherJs = new NatsJSContext(publisherConnection);
        var subscriberJs = new NatsJSContext(subscriberConnection);
        var stream = "RAWBENCH_" + run;
        var topic = run + ".events";
        await publisherJs.CreateStreamAsync(new StreamConfig(stream, [run, run + ".>"]) { Storage = StreamConfigStorage.File });
        var consumer = await subscriberJs.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig("bench") { DurableName = "bench", FilterSubject = topic, AckPolicy = ConsumerConfigAckPolicy.Explicit });
        var latencies = new Latencies(count);
        var codecs = BenchJson.Codecs();
        using var stop = new CancellationTokenSource();
        var consume = Task.Run(async () =>
        {
            var handled = 0;
            await foreach (var msg in consumer.ConsumeAsync<byte[]>(NatsDefaultSerializer<byte[]>.Default, cancellationToken: stop.Token))
            {
                var tick = codecs.Json.Read<Tick>(new System.Buffers.ReadOnlySequence<byte>(msg.Data!));
                latencies.Record(BitConverter.GetBytes(tick.Ticks));
                await msg.AckAsync();
                if (++handled == count) return;
            }
        });
        var cpu = new CpuMeter(address);
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => Task.Run(async () =>
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
            while (Interlocked.Increment(ref next) < count)
            {
                buffer.ResetWrittenCount();
                codecs.Json.Write(new Tick(DateTime.UtcNow.Ticks, next, "payload-of-some-length"), buffer);
                NatsHeaders? natsHeaders = null;
                NatsJSPubOpts? pubOpts = null;
                if (headers)
                {
                    var id = Guid.CreateVersion7().ToString();
                    natsHeaders = new NatsHeaders
                    {
                        ["id"] = id, ["source"] = "bench", ["type"] = typeof(Tick).FullName!, ["time"] = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                        ["datacontenttype"] = "application/json", ["specversion"] = "1.0",
                    };
                    pubOpts = new NatsJSPubOpts { MsgId = topic + "/" + id };
                }
                var ack = await publisherJs.PublishAsync(topic, buffer.WrittenSpan.ToArray(), NatsDefaultSerializer<byte[]>.Default, pubOpts, natsHeaders);
                ack.EnsureSuccess();
            }
        })));
        await consume.WaitAsync(TimeSpan.FromMinutes(5));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var measured = cpu.Stop(new Result(count, count / seconds, 0, 0));
        await stop.CancelAsync();
        var (p50, p99) = latencies.Percentiles();
        await publisherJs.DeleteStreamAsync(stream);
        return measured with { P50Ms = p50, P99Ms = p99 };
    }

    private static async Task DeleteStreamAsync(string address, string stream)
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = "nats://" + address });
        await new NatsJSContext(connection).DeleteStreamAsync(stream);
    }
}
