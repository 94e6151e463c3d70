using System.Collections.Concurrent;
using Micro.Broker;
using Micro.Middleware;
using Micro.Tests.Rpc;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Broker;

/// <summary>
/// Messaging the way an app uses it: <c>builder.Subscribe</c> in real services (HTTP broker on each service's own
/// listener, advertised in the shared registry) and <c>client.PublishAsync</c> from another service.
/// </summary>
public sealed class ServiceMessagingTests : IAsyncDisposable
{
    private readonly TestCluster _cluster = new();
    private readonly string _topic = "orders" + Guid.NewGuid().ToString("N")[..8] + ".placed";

    private Task<MicroApp> StartAsync(string service, Action<MicroServiceBuilder> configure) => _cluster.StartNodeAsync(service, builder =>
    {
        // The outbox in memory: these tests are about routing, the process tests about durability.
        builder.Services.UseHttpBroker(o => o.Outbox = "memory");
        configure(builder);
    });

    private static async Task WaitUntilAsync(Func<bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!done())
        {
            if (timeout.IsCancellationRequested) throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task EachServiceGetsEveryMessageOnce_SharedAmongItsReplicas()
    {
        var billing = new ConcurrentBag<(string Node, string Id)>();
        var audit = new ConcurrentBag<string>();
        for (var i = 0; i < 2; i++)
        {
            var replica = "billing-" + i;
            await StartAsync("billing", b => b.Subscribe<OrderEvent>(_topic, (e, ctx) => billing.Add((replica, e.Id))));
        }
        await StartAsync("audit", b => b.Subscribe<OrderEvent>(_topic, (e, ctx) => audit.Add(e.Id)));
        var shop = await StartAsync("shop", _ => { });
        for (var i = 0; i < 40; i++) await shop.Client.PublishAsync(_topic, new OrderEvent("o" + i));
        await WaitUntilAsync(() => billing.Count >= 40 && audit.Count >= 40, "40 deliveries to each service");
        Assert.Equal(40, billing.Select(b => b.Id).Distinct().Count());
        Assert.Equal(40, billing.Count);
        Assert.Equal(40, audit.Distinct().Count());
    }

    [Fact]
    public async Task Broadcast_EveryReplicaGetsEveryMessage()
    {
        var received = new ConcurrentDictionary<int, ConcurrentBag<string>>();
        for (var i = 0; i < 3; i++)
        {
            var replica = i;
            received[replica] = [];
            await StartAsync("cache", b => b.Subscribe<OrderEvent>(_topic, (e, ctx) => received[replica].Add(e.Id), o => o.Broadcast = true));
        }
        var shop = await StartAsync("shop", _ => { });
        for (var i = 0; i < 10; i++) await shop.Client.PublishAsync(_topic, new OrderEvent("o" + i));
        await WaitUntilAsync(() => received.Values.All(r => r.Count >= 10), "10 deliveries to every replica");
        Assert.All(received.Values, r => Assert.Equal(10, r.Distinct().Count()));
    }

    [Fact]
    public async Task PublishAndSubscriberMiddleware_WrapEveryMessage()
    {
        var seen = new TaskCompletionSource<(string? Tenant, int Order, OrderEvent? Value)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var order = 0;
        await StartAsync("billing", b =>
        {
            b.Services.AddSubscriberMiddleware(new RecordingSubscriberMiddleware(() => Interlocked.Increment(ref order)));
            b.Subscribe<OrderEvent>(_topic, (e, ctx) => { seen.TrySetResult((ctx.Headers.GetValueOrDefault("tenant"), Interlocked.Increment(ref order), (OrderEvent?)ctx.Value)); });
        });
        var shop = await StartAsync("shop", b => b.Services.AddPublishMiddleware(new TenantPublishMiddleware("acme")));
        await shop.Client.PublishAsync(_topic, new OrderEvent("o1"));
        var (tenant, handlerOrder, value) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("acme", tenant);
        Assert.Equal(2, handlerOrder); // the middleware ran first
        Assert.Equal(new OrderEvent("o1"), value);
    }

    [Fact]
    public async Task SubscribingToATypeNoCodecCanDecode_FailsAtBuild()
    {
        var builder = MicroService.CreateBuilder([], "strict");
        builder.Services.AddSingleton(_cluster.Registry);
        builder.Subscribe<OrderEvent>(_topic, (_, _) => { });
        var error = Assert.Throws<InvalidOperationException>(() => builder.Build());
        Assert.Contains(nameof(OrderEvent), error.Message);
        Assert.Contains("JsonSerializable", error.Message);
        await Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    private sealed class TenantPublishMiddleware(string tenant) : IPublishMiddleware
    {
        public ValueTask InvokeAsync(PublishContext context, PublishHandler next)
        {
            context.Message.Headers["tenant"] = tenant;
            return next(context);
        }
    }

    private sealed class RecordingSubscriberMiddleware(Func<int> mark) : ISubscriberMiddleware
    {
        public ValueTask InvokeAsync(MessageContext context, MessageHandler next)
        {
            mark();
            return next(context);
        }
    }
}

internal sealed record OrderEvent(string Id);
