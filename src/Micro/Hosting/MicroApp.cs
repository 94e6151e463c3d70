using Micro.Client;
using Micro.Hosting.Internal;
using Micro.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Micro;

/// <summary>
/// A built Micro service. Start: listen, then register (and re-register on an interval).
/// Stop (Ctrl+C, SIGTERM, <see cref="StopAsync"/>): deregister, refuse new calls, drain in-flight ones
/// within the grace period, then close the listener.
/// </summary>
public sealed class MicroApp : IHost, IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly NodeIdentity _identity;

    internal MicroApp(WebApplication app, NodeIdentity identity)
    {
        _app = app;
        _identity = identity;
    }

    /// <summary>The service's name.</summary>
    public string Name => _identity.Service;

    /// <summary>The service's container.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>This process's node as registered (available once started).</summary>
    public NodeInfo Node => _identity.Node ?? throw new InvalidOperationException("the service has not started");

    /// <summary>host:port the service listens on (available once started).</summary>
    public string Address => Node.Address;

    /// <summary>The client of this service's container, to call other services.</summary>
    public IMicroClient Client => _app.Services.GetRequiredService<IMicroClient>();

    /// <summary>Listens, then registers the node.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Deregisters, refuses new calls, drains in-flight ones within the grace period, then stops listening.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Runs until Ctrl+C / SIGTERM or <paramref name="cancellationToken"/>.</summary>
    public Task RunAsync(CancellationToken cancellationToken = default) => HostingAbstractionsHostExtensions.RunAsync(_app, cancellationToken);

    /// <summary>Releases the host (stop it first).</summary>
    public void Dispose() => ((IDisposable)_app).Dispose();

    /// <summary>Releases the host (stop it first).</summary>
    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
