using System.Diagnostics;
using Micro.Cli.Output;
using Micro.Client;
using Micro.Errors;
using Micro.Registry;

namespace Micro.Cli.Calls;

/// <summary>
/// Checks each node of a service directly (by address, no retries): the standard <c>grpc.health.v1.Health/Check</c>
/// when the node serves it; a node without that service still proves it is up by answering "no such endpoint".
/// </summary>
public sealed class HealthProbe(IMicroClient client)
{
    /// <summary>Per-node budget.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The health of every node of every version of <paramref name="services"/>, checked in parallel.</summary>
    public async Task<IReadOnlyList<NodeHealthReport>> CheckAsync(IEnumerable<ServiceInfo> services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var checks = services.SelectMany(s => s.Nodes.Select(n => CheckAsync(s, n, cancellationToken))).ToList();
        return await Task.WhenAll(checks).ConfigureAwait(false);
    }

    /// <summary>One node's health.</summary>
    public async Task<NodeHealthReport> CheckAsync(ServiceInfo service, NodeInfo node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(node);
        var started = Stopwatch.GetTimestamp();
        string status;
        string? detail = null;
        try
        {
            // HealthCheckRequest { service = "" } is the empty protobuf message.
            var reply = await client.CallAsync<RawPayload, RawPayload>("grpc.health.v1", "Health.Check", new RawPayload(Array.Empty<byte>()),
                new CallOptions { Address = node.Address, Retries = 0, Timeout = Timeout, ContentType = Codec.ProtobufCodec.MediaType }, cancellationToken).ConfigureAwait(false);
            status = ServingStatus(reply.Bytes.Span);
        }
        catch (MicroException e) when (e.Id == ErrorCodes.EndpointNotFound || e.Code is 401 or 403)
        {
            // It answered: no health service, or auth that wants a token for it. Either way the node is up.
            status = "reachable";
        }
        catch (MicroException e)
        {
            status = "down";
            detail = $"{e.Id} ({e.Code}): {e.Detail}";
        }
        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new NodeHealthReport(service.Name, service.Version, node.Id, node.Address, status, detail, Math.Round(latency, 2));
    }

    /// <summary>Field 1 (status, a varint) of grpc.health.v1.HealthCheckResponse.</summary>
    private static string ServingStatus(ReadOnlySpan<byte> message)
    {
        var value = message.Length >= 2 && message[0] == 0x08 ? message[1] : 0;
        return value switch { 1 => "serving", 2 => "not_serving", 3 => "service_unknown", _ => "unknown" };
    }

    /// <summary>Whether a status counts as healthy for the exit code.</summary>
    public static bool IsHealthy(string status) => status is "serving" or "reachable";
}
