using System.Globalization;
using Micro.Broker;
using Micro.Broker.Http;
using Micro.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.Bench.PubSub;

/// <summary>
/// The subscribing process of the HTTP rounds: an h2c listener with the broker's delivery endpoint. Prints
/// "ready host:port"; on "round N" on stdin prints "go", counts N deliveries and prints "done p50 p99".
/// </summary>
public static class HttpSubscriberProcess
{
    public static async Task RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        await using var broker = new HttpBroker(new MemoryRegistry(), new BrokerOptions { Outbox = "memory" });
        app.Run(broker.ServeDeliveryAsync);
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        broker.Address = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);

        var round = new Round(0);
        await using var subscription = await broker.SubscribeAsync(HttpBench.Topic, (delivery, _) =>
        {
            Volatile.Read(ref round).Add(delivery.Message.Body.Span);
            return ValueTask.FromResult(DeliveryOutcome.Ack);
        }, new SubscribeOptions { Group = "bench" });
        Console.WriteLine("ready " + broker.Address);
        while (Console.ReadLine() is { } line)
        {
            if (!line.StartsWith("round ", StringComparison.Ordinal)) break;
            var next = new Round(int.Parse(line[6..], CultureInfo.InvariantCulture));
            Volatile.Write(ref round, next);
            // The publisher starts only now, so no delivery of this round is counted in the last one.
            Console.WriteLine("go");
            await next.Done.Task.WaitAsync(TimeSpan.FromMinutes(5));
            var (p50, p99) = next.Latencies.Percentiles();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {p50} {p99}"));
        }
        await app.StopAsync();
    }

    private sealed class Round(int count)
    {
        private int _received;
        public Latencies Latencies { get; } = new(Math.Max(1, count));
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(ReadOnlySpan<byte> body)
        {
            Latencies.Record(body);
            if (Interlocked.Increment(ref _received) == count) Done.TrySetResult();
        }
    }
}
