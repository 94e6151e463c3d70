using Micro.Broker;
using Micro.Broker.Http;
using Micro.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.Broker;

/// <summary>
/// An HTTP broker with a listener of its own, like one service process: h2c Kestrel on 127.0.0.1 serving the delivery
/// endpoint, subscriptions advertised in a shared registry. Disposing stops both.
/// </summary>
internal sealed class HttpBrokerNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpBrokerNode(WebApplication app, HttpBroker broker)
    {
        _app = app;
        Broker = broker;
    }

    public HttpBroker Broker { get; }

    public static async Task<HttpBrokerNode> StartAsync(IRegistry registry, BrokerOptions? options = null, Func<HttpContext, Task>? serve = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var broker = new HttpBroker(registry, options ?? new BrokerOptions { Outbox = "memory" });
        var handler = serve ?? broker.ServeDeliveryAsync;
        app.Run(context => handler(context));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        broker.Address = $"127.0.0.1:{address.Port}";
        return new HttpBrokerNode(app, broker);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
