using Micro.Registry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Micro.Health;

/// <summary>Readiness: the registry answers a lookup of this service (a node nobody can find should not take traffic).</summary>
internal sealed class RegistryHealthCheck(IRegistry registry, Hosting.Internal.NodeIdentity identity) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var versions = await registry.GetServiceAsync(identity.Service, cancellationToken).ConfigureAwait(false);
            var listed = versions.Any(v => v.Nodes.Any(n => n.Id == identity.Id));
            return HealthCheckResult.Healthy($"{registry.Name} registry answers; this node is {(listed ? "" : "not yet ")}listed");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{registry.Name} registry lookup failed: {e.GetType().Name}");
        }
    }
}
