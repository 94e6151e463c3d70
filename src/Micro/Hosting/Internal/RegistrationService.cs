using System.Net;
using Micro.Registry;
using Micro.Server.Internal;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Micro.Hosting.Internal;

/// <summary>
/// Keeps the node in the registry while the service runs. Lifecycle hooks give the order we need:
/// register after Kestrel listens (Started), deregister and drain before Kestrel stops (Stopping).
/// </summary>
internal sealed class RegistrationService(
    IRegistry registry, IServer server, NodeIdentity identity, HandlerTable handlers, ServerState state,
    TimeProvider time, ILogger<RegistrationService> logger, Reflection.EndpointSchemas schemas,
    Microsoft.Extensions.Options.IOptions<RegistryOptions> registryOptions) : IHostedLifecycleService
{
    private readonly CancellationTokenSource _stop = new();
    private ServiceInfo? _registration;
    private Task? _heartbeat;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var options = identity.Options;
        var address = options.Advertise ?? AdvertisedAddress(server, registryOptions.Value.Interfaces);
        identity.Node = new NodeInfo
        {
            Id = identity.Id,
            Address = address,
            Metadata = Identity.MtlsListener.WithNodeMetadata(server, address, new Dictionary<string, string> { ["transport"] = "grpc", ["protocol"] = "h2c", ["server"] = "micro" }),
        };
        _registration = new ServiceInfo
        {
            Name = identity.Service,
            Version = options.Version,
            Metadata = options.Metadata,
            Endpoints = schemas.Describe(handlers.All), // with request/response schemas for the CLI and dashboard
            Nodes = [identity.Node],
        };
        ServerLog.Listening(logger, identity.Service, identity.Id, address);
        // A registry that is down at start must not keep the service from serving; the heartbeat retries.
        await RegisterAsync(cancellationToken).ConfigureAwait(false);
        _heartbeat = HeartbeatAsync(_stop.Token);
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(identity.Options.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                await RegisterAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await registry.RegisterAsync(_registration!, new RegisterOptions { Ttl = identity.Options.Ttl }, cancellationToken).ConfigureAwait(false);
            state.MarkRegistered();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ServerLog.RegisterFailed(logger, identity.Service, registry.Name, e);
        }
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null) await _heartbeat.ConfigureAwait(false);
        if (_registration is not null)
        {
            try
            {
                await registry.DeregisterAsync(_registration, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ServerLog.DeregisterFailed(logger, identity.Service, e);
            }
        }
        ServerLog.Draining(logger, identity.Service, state.InFlight);
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(identity.Options.GracePeriod);
        await state.DrainAsync(grace.Token).ConfigureAwait(false);
    }

    private static string AdvertisedAddress(IServer server, IReadOnlyList<string>? interfaces)
    {
        var listening = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the server reports no listening address");
        var uri = new Uri(listening.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal));
        var host = uri.Host.Trim('[', ']');
        if (IPAddress.TryParse(host, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
            host = AnnouncedAddress(interfaces)?.ToString() ?? "127.0.0.1";
        return (host.Contains(':') ? "[" + host + "]" : host) + ":" + uri.Port;
    }

    /// <summary>
    /// For a wildcard listener: the first address mDNS announces on (the same interface picker, so the advertised
    /// address is always one peers can reach on a network we announce to); MICRO_SERVER_ADVERTISE overrides it.
    /// </summary>
    private static IPAddress? AnnouncedAddress(IReadOnlyList<string>? interfaces) => Registry.Mdns.NetworkInterfacePicker.Advertised(interfaces);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
