using System.Diagnostics;
using Grpc.Core;

namespace Micro.Telemetry;

/// <summary>Puts the RPC semantic-convention attributes on a span, in the generation(s) configured.</summary>
internal static class RpcSpan
{
    public static void Describe(Activity activity, RpcNames names, RpcConventions conventions)
    {
        if ((conventions & RpcConventions.Legacy) != 0)
        {
            activity.SetTag(SemanticConventions.RpcSystem, "grpc");
            activity.SetTag(SemanticConventions.RpcService, names.GrpcService);
            activity.SetTag(SemanticConventions.RpcMethod, names.Method);
        }
        if ((conventions & RpcConventions.Stable) != 0)
        {
            activity.SetTag(SemanticConventions.RpcSystemName, "grpc");
            // Both generations name this attribute rpc.method; with both on, the stable (full) value wins.
            activity.SetTag(SemanticConventions.RpcMethod, names.FullMethod);
        }
        activity.SetTag(SemanticConventions.MicroService, names.Service);
        activity.SetTag(SemanticConventions.MicroEndpoint, names.Endpoint);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Host, int? Port)> s_peers = new(StringComparer.Ordinal);

    /// <summary>host:port of a node as server.address / server.port (parsed once per address: this runs on every call).</summary>
    public static void DescribePeer(Activity activity, string address)
    {
        if (!s_peers.TryGetValue(address, out var peer))
        {
            peer = ParsePeer(address);
            if (s_peers.Count < 10_000) s_peers.TryAdd(address, peer); // bounded: addresses come from the registry
        }
        activity.SetTag(SemanticConventions.ServerAddress, peer.Host);
        if (peer.Port is { } port) activity.SetTag(SemanticConventions.ServerPort, port);
    }

    private static (string Host, int? Port) ParsePeer(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            ? (address[..colon].Trim('[', ']'), port)
            : (address, null);
    }

    public static void End(Activity activity, CallOutcomeInfo outcome, RpcConventions conventions, bool server)
    {
        if ((conventions & RpcConventions.Legacy) != 0) activity.SetTag(SemanticConventions.RpcGrpcStatusCode, (int)outcome.Status);
        if ((conventions & RpcConventions.Stable) != 0) activity.SetTag(SemanticConventions.RpcResponseStatusCode, outcome.StatusName);
        if (outcome.ErrorId is null) return;
        activity.SetTag(SemanticConventions.ErrorType, outcome.ErrorId);
        // A server only owns the failures that are its fault (semantic conventions for gRPC server spans).
        if (!server || outcome.Status is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Unimplemented
            or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss)
            activity.SetStatus(ActivityStatusCode.Error, outcome.ErrorId);
    }
}
