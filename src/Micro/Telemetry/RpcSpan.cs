using System.Diagnostics;
using Grpc.Core;

namespace Micro.Telemetry;

/// <summary>Puts the RPC semantic-convention attributes on a span, in the generation(s) configured.</summary>
internal static class RpcSpan
{
    /// <summary>
    /// The attributes a span of <paramref name="names"/> starts with. Passed to StartActivity, so samplers see them and
    /// the span gets them without a lock per attribute (AddTag/SetTag take one; SetTag also searches for the key).
    /// </summary>
    public static KeyValuePair<string, object?>[] Tags(RpcNames names, RpcConventions conventions)
    {
        var tags = new List<KeyValuePair<string, object?>>(4);
        if ((conventions & RpcConventions.Legacy) != 0)
        {
            tags.Add(new(SemanticConventions.RpcSystem, "grpc"));
            tags.Add(new(SemanticConventions.RpcService, names.GrpcService));
        }
        if ((conventions & RpcConventions.Stable) != 0) tags.Add(new(SemanticConventions.RpcSystemName, "grpc"));
        // Both generations name this attribute rpc.method; with both on, the stable (full) value wins.
        tags.Add(new(SemanticConventions.RpcMethod, (conventions & RpcConventions.Stable) != 0 ? names.FullMethod : names.Method));
        // No micro.service / micro.endpoint: rpc.service and rpc.method already name them (service "greeter", endpoint
        // "Greeter.Hello" are rpc.service "greeter.Greeter", rpc.method "Hello"), and every attribute is an allocation
        // on every span. Metrics keep them as their dimensions.
        return [.. tags];
    }

    // The port boxed once per address, not once per call.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Host, object? Port)> s_peers = new(StringComparer.Ordinal);

    /// <summary>host:port of a node as server.address / server.port (parsed once per address: this runs on every call).</summary>
    public static void DescribePeer(Activity activity, string address)
    {
        if (!s_peers.TryGetValue(address, out var peer))
        {
            peer = ParsePeer(address);
            if (s_peers.Count < 10_000) s_peers.TryAdd(address, peer); // bounded: addresses come from the registry
        }
        activity.AddTag(SemanticConventions.ServerAddress, peer.Host);
        if (peer.Port is { } port) activity.AddTag(SemanticConventions.ServerPort, port);
    }

    private static (string Host, object? Port) ParsePeer(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            ? (address[..colon].Trim('[', ']'), (object)port)
            : (address, null);
    }

    /// <summary>How the call or attempt ended (once per span: AddTag).</summary>
    public static void End(Activity activity, CallOutcomeInfo outcome, RpcConventions conventions, bool server)
    {
        if ((conventions & RpcConventions.Legacy) != 0) activity.AddTag(SemanticConventions.RpcGrpcStatusCode, BoxedStatus(outcome.Status));
        if ((conventions & RpcConventions.Stable) != 0) activity.AddTag(SemanticConventions.RpcResponseStatusCode, outcome.StatusName);
        if (outcome.ErrorId is null) return;
        activity.AddTag(SemanticConventions.ErrorType, outcome.ErrorId);
        // A server only owns the failures that are its fault (semantic conventions for gRPC server spans).
        if (!server || outcome.Status is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Unimplemented
            or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss)
            activity.SetStatus(ActivityStatusCode.Error, outcome.ErrorId);
    }

    private static readonly object[] s_statusCodes = [.. Enumerable.Range(0, 17).Select(code => (object)code)];

    /// <summary>The numeric status as an attribute or measurement tag value, boxed once per status rather than once per call.</summary>
    internal static object BoxedStatus(StatusCode status) => (uint)status < (uint)s_statusCodes.Length ? s_statusCodes[(int)status] : (int)status;
}
