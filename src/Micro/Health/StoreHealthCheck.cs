using Micro.Store;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Micro.Health;

/// <summary>
/// Readiness: the configured store answers a read. Added only when a store plug-in is configured (MICRO_STORE), so a
/// service that never uses a store does not open one for its health check.
/// </summary>
internal sealed class StoreHealthCheck(IStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ReadAsync("micro/health", new ReadOptions { Table = "micro_health" }, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{store.Name} store answers");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{store.Name} store read failed: {e.GetType().Name}");
        }
    }
}
