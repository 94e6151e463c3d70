using System.Net;
using Micro.Broker;
using Micro.Broker.Http;
using Micro.Cli.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Micro.Cli.Messaging;

/// <summary>
/// The listener a service has and the tool lacks: with the HTTP broker, publishers deliver to each subscriber's own
/// address, so a tail (<c>micro subscribe</c>, the dashboard's) opens an h2c listener that serves only
/// <see cref="HttpBroker.DeliveryPath"/> and advertises it as the broker's address before it subscribes.
/// </summary>
public sealed class DeliveryListener : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DeliveryListener(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>host:port the publishers deliver to (in the registry).</summary>
    public string Address { get; }

    /// <summary>Listens on <paramref name="endpoint"/> (for 0.0.0.0 advertising an address of <paramref name="interfaces"/>, as mDNS picks them) (port 0: any free port) for <paramref name="broker"/>'s deliveries and sets its address.</summary>
    public static async Task<DeliveryListener> StartAsync(HttpBroker broker, IPEndPoint endpoint, IReadOnlyList<string>? interfaces, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(endpoint);
        var builder = LocalWebHost.CreateBuilder(logging);
        // h2c with prior knowledge, as the publishers send (the same as a service's listener).
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.Run(http =>
        {
            if (http.Request.Path.Equals(HttpBroker.DeliveryPath, StringComparison.Ordinal)) return broker.ServeDeliveryAsync(http);
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = new IPEndPoint(Advertised(endpoint.Address, interfaces), LocalWebHost.BoundPort(app, endpoint.Port)).ToString();
        broker.Address ??= address;
        return new DeliveryListener(app, broker.Address);
    }

    /// <summary>A listener when <paramref name="broker"/> is the HTTP broker (null for brokers with a server of their own).</summary>
    public static async Task<DeliveryListener?> ForAsync(IBroker broker, IPEndPoint endpoint, IReadOnlyList<string>? interfaces, ILoggerFactory logging, CancellationToken cancellationToken) =>
        broker is HttpBroker http ? await StartAsync(http, endpoint, interfaces, logging, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>The listen address itself, or for 0.0.0.0 the address a service's wildcard listener would advertise.</summary>
    private static IPAddress Advertised(IPAddress listen, IReadOnlyList<string>? interfaces) =>
        listen.Equals(IPAddress.Any) ? Micro.Registry.Mdns.NetworkInterfacePicker.Advertised(interfaces) ?? IPAddress.Loopback : listen;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
