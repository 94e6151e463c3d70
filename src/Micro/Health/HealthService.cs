using Grpc.Core;
using Micro.Health.Protocol;
using ServingStatus = Micro.Health.Protocol.HealthCheckResponse.Types.ServingStatus;

namespace Micro.Health;

/// <summary>
/// <c>grpc.health.v1.Health</c> for this node: the overall status ("") and this service's name both report the node's
/// <see cref="Readiness"/>; any other name is NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch).
/// </summary>
internal sealed class HealthService(ReadinessMonitor monitor, Hosting.Internal.NodeIdentity identity) : Protocol.Health.HealthBase
{
    private const int MaxServiceName = 256;

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        if (!Knows(request.Service)) throw new RpcException(new Status(StatusCode.NotFound, "unknown service"));
        return Task.FromResult(new HealthCheckResponse { Status = Status() });
    }

    public override Task<HealthListResponse> List(HealthListRequest request, ServerCallContext context)
    {
        var response = new HealthListResponse();
        response.Statuses[""] = new HealthCheckResponse { Status = Status() };
        response.Statuses[identity.Service] = new HealthCheckResponse { Status = Status() };
        return Task.FromResult(response);
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        var known = Knows(request.Service);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, monitor.Stopped);
        ServingStatus? sent = null;
        try
        {
            while (!ended.IsCancellationRequested)
            {
                var changed = monitor.Changed; // before reading the status, so no change slips between the two
                var status = known ? Status() : ServingStatus.ServiceUnknown;
                if (status != sent)
                {
                    await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, ended.Token).ConfigureAwait(false);
                    sent = status;
                }
                await changed.WaitAsync(ended.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The caller left, or the node stops after draining: the stream ends (callers re-watch with backoff),
            // after telling a caller still there the last status if it changed at the same moment.
            var last = known ? Status() : ServingStatus.ServiceUnknown;
            if (!context.CancellationToken.IsCancellationRequested && last != sent)
                await responseStream.WriteAsync(new HealthCheckResponse { Status = last }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    private bool Knows(string service) => service.Length <= MaxServiceName && (service.Length == 0 || service == identity.Service);

    private ServingStatus Status() => monitor.Current.Serving ? ServingStatus.Serving : ServingStatus.NotServing;
}
