using Microsoft.Extensions.Hosting;

namespace Micro.Identity;

/// <summary>Gets the service's first certificate before Kestrel starts listening (StartingAsync runs before every StartAsync).</summary>
internal sealed class WorkloadIdentityService(TransportSecurity security) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) =>
        security.Identity?.StartAsync(cancellationToken) ?? Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
