using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using Micro.Auth;
using Micro.Auth.Jwt;
using Micro.Broker;
using Micro.Broker.Http;
using Micro.Identity;
using Micro.Tests.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Broker;

/// <summary>
/// HTTP broker deliveries between services with identity on: they travel over the services' mTLS listeners, the
/// publisher presenting its certificate (the subscriber's handler sees it) and accepting only the subscribing service's.
/// </summary>
public sealed class HttpBrokerMtlsTests
{
    private static async Task WaitUntilAsync(Func<bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!done())
        {
            if (timeout.IsCancellationRequested) throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    [Theory]
    [InlineData(TlsMode.Strict)]
    [InlineData(TlsMode.Permissive)]
    public async Task Two_services_with_identity_exchange_messages_over_mtls(TlsMode mode)
    {
        await using var cluster = new IdentityCluster();
        var topic = "tls" + Guid.NewGuid().ToString("N")[..8] + ".placed";
        var received = new ConcurrentQueue<(string Id, string Peer)>();
        var billing = await cluster.StartNodeAsync("billing", b =>
        {
            b.Services.UseHttpBroker(o => o.Outbox = "memory");
            b.Subscribe<OrderEvent>(topic, (e, _) => received.Enqueue((e.Id, PeerIdentity.Current?.Service ?? "<none>")));
        }, mode);
        var shop = await cluster.StartNodeAsync("shop", b => b.Services.UseHttpBroker(o => o.Outbox = "memory"), mode);

        for (var i = 0; i < 20; i++) await shop.Client.PublishAsync(topic, new OrderEvent("o" + i));
        await WaitUntilAsync(() => received.Count >= 20, "20 deliveries");

        Assert.Equal(20, received.Select(r => r.Id).Distinct().Count());
        Assert.All(received, r => Assert.Equal("shop", r.Peer)); // over mTLS, the publisher's certificate proved who it is
        var subscriberNode = (await cluster.Registry.GetServiceAsync("micro.broker." + topic)).SelectMany(s => s.Nodes).Single();
        Assert.Equal(billing.Node.Metadata["tls"], subscriberNode.Metadata["tls"]);
        Assert.Equal("billing", subscriberNode.Metadata["service"]);
    }

    [Fact]
    public async Task A_client_without_a_certificate_cannot_post_a_delivery_to_a_strict_subscriber()
    {
        await using var cluster = new IdentityCluster();
        var topic = "tls" + Guid.NewGuid().ToString("N")[..8] + ".placed";
        var handled = 0;
        var billing = await cluster.StartNodeAsync("billing", b =>
        {
            b.Services.UseHttpBroker(o => o.Outbox = "memory");
            b.Subscribe<OrderEvent>(topic, (_, _) => Interlocked.Increment(ref handled));
        });
        await WaitUntilAsync(() => billing.Services.GetRequiredService<IBroker>() is HttpBroker, "the broker");
        var body = new ArrayBufferWriter<byte>();
        var message = new BrokerMessage(topic, "{\"Id\":\"forged\"}"u8.ToArray(), new Dictionary<string, string> { [BrokerHeaders.ContentType] = "application/json" });
        DeliveryBatch.WriteRequest(body, [new DeliveryItem(1, "billing", 1, message)]);

        // Plain h2c to the subscriber's address: the listener only speaks TLS.
        using (var h2c = new HttpClient())
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => h2c.SendAsync(Delivery("http://" + billing.Address, body.WrittenMemory)));

        // TLS without a client certificate: refused in the handshake.
        using (var anonymous = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true, AllowTlsResume = false },
        }))
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(async () =>
            {
                using var response = await anonymous.SendAsync(Delivery("https://" + billing.Address, body.WrittenMemory));
                await response.Content.ReadAsByteArrayAsync(); // TLS 1.3 reports a refused client certificate on the first read
                Assert.Fail($"answered {(int)response.StatusCode}");
            });
        }
        Assert.Equal(0, handled);
    }

    [Fact]
    public async Task With_auth_on_a_publisher_without_a_token_is_the_service_its_certificate_proves()
    {
        await using var cluster = new IdentityCluster();
        var topic = "tls" + Guid.NewGuid().ToString("N")[..8] + ".placed";
        await using var admin = new JwtAuth(cluster.Store, new AuthOptions { Plugin = "jwt" });
        await admin.GrantAsync(new Rule { Id = "shop-publishes", Scope = "service:shop", Resource = Resource.Subscriber(topic, "billing") });
        var received = new ConcurrentQueue<string>();
        await cluster.StartNodeAsync("billing", b =>
        {
            b.Services.AddSingleton(cluster.Store);
            b.Services.UseJwtAuth();
            b.Services.UseHttpBroker(o => o.Outbox = "memory");
            b.Subscribe<OrderEvent>(topic, (e, _) => received.Enqueue(e.Id));
        });
        // Neither publisher has auth on (no token): the subscriber takes the account from the certificate.
        var shop = await cluster.StartNodeAsync("shop", b => b.Services.UseHttpBroker(o => o.Outbox = "memory"));
        var mallory = await cluster.StartNodeAsync("mallory", b => b.Services.UseHttpBroker(o => { o.Outbox = "memory"; o.RefusedRetryFor = TimeSpan.FromMinutes(5); }));

        await mallory.Client.PublishAsync(topic, new OrderEvent("forged"));
        await shop.Client.PublishAsync(topic, new OrderEvent("o1"));
        await WaitUntilAsync(() => received.Count >= 1, "shop's delivery");
        var malloryBroker = mallory.Services.GetRequiredService<IBroker>();
        await WaitUntilAsync(() => malloryBroker.Counters.Refused > 0, "mallory's refusal");
        Assert.Equal(["o1"], received);
        Assert.Equal(1, malloryBroker.Counters.Pending); // refused, kept (not dropped) while it is tried again
    }

    private static HttpRequestMessage Delivery(string baseUrl, ReadOnlyMemory<byte> body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + HttpBroker.DeliveryPath)
        {
            Content = new ReadOnlyMemoryContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(DeliveryBatch.ContentType);
        return request;
    }
}
