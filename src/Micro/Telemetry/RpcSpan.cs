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

    // Per address: its host and port (the port boxed once, not once per call) and the start attributes built last for
    // it. Bounded: addresses come from the registry.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Peer> s_peers = new(StringComparer.Ordinal);

    private sealed class Peer(string host, object? port)
    {
        public string Host { get; } = host;
        public object? Port { get; } = port;

        // Racy by design: a stale or missed hit is still right (it is checked, and rebuilt on a miss).
        public PeerStart? Last;
    }

    /// <summary>The start attributes of a span of one endpoint to one node.</summary>
    private sealed record PeerStart(RpcNames Names, RpcConventions Conventions, string NodeId, KeyValuePair<string, object?>[] Tags);

    private static Peer PeerOf(string address)
    {
        if (s_peers.TryGetValue(address, out var peer)) return peer;
        peer = ParsePeer(address);
        if (s_peers.Count < 10_000) s_peers.TryAdd(address, peer);
        return peer;
    }

    /// <summary>host:port of a node as server.address / server.port (parsed once per address: this runs on every call).</summary>
    public static void DescribePeer(Activity activity, string address)
    {
        var peer = PeerOf(address);
        activity.AddTag(SemanticConventions.ServerAddress, peer.Host);
        if (peer.Port is { } port) activity.AddTag(SemanticConventions.ServerPort, port);
    }

    /// <summary>
    /// <see cref="Tags"/> plus the node a client span goes to (server.address, server.port, micro.node.id): given to
    /// StartActivity in one piece, they cost the span one copy instead of an AddTag each (and its lock). Built once per
    /// endpoint and node while a process keeps calling the same one.
    /// </summary>
    public static KeyValuePair<string, object?>[] PeerTags(RpcNames names, RpcConventions conventions, Registry.NodeInfo node)
    {
        var peer = PeerOf(node.Address);
        if (peer.Last is { } last && ReferenceEquals(last.Names, names) && last.Conventions == conventions && last.NodeId == node.Id) return last.Tags;
        var start = names.SpanTags(conventions);
        KeyValuePair<string, object?>[] built = peer.Port is { } port
            ? [.. start, new(SemanticConventions.ServerAddress, peer.Host), new(SemanticConventions.ServerPort, port), new(SemanticConventions.MicroNodeId, node.Id)]
            : [.. start, new(SemanticConventions.ServerAddress, peer.Host), new(SemanticConventions.MicroNodeId, node.Id)];
        peer.Last = new PeerStart(names, conventions, node.Id, built);
        return built;
    }

    private static Peer ParsePeer(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            ? new Peer(address[..colon].Trim('[', ']'), port)
            : new Peer(address, null);
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
