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

    /// <summary>host:port of a node as server.address / server.port.</summary>
    public static void DescribePeer(Activity activity, string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon > 0 && int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            activity.SetTag(SemanticConventions.ServerAddress, address[..colon].Trim('[', ']'));
            activity.SetTag(SemanticConventions.ServerPort, port);
        }
        else
        {
            activity.SetTag(SemanticConventions.ServerAddress, address);
        }
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
