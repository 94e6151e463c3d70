using Micro.Registry;
using Micro.Server;

namespace Micro.Client;

/// <summary>Per-call settings; anything left null takes the client's default (<see cref="ClientOptions"/>).</summary>
public sealed record CallOptions
{
    /// <summary>No per-call settings: every value comes from <see cref="ClientOptions"/> and the registry.</summary>
    public static readonly CallOptions Default = new();

    /// <summary>Budget for the whole call including retries; sent to the server as the gRPC deadline (the client's default timeout, used when this is null, is not).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How many times a failed attempt may be retried on another node (only when safe: see <see cref="Idempotent"/>).</summary>
    public int? Retries { get; init; }

    /// <summary>
    /// Whether running the call twice does no harm. Null: what the endpoint published in the registry (false when unknown).
    /// Every call is retried when it provably did not run (connection refused, stream refused, node draining); an
    /// idempotent call is also retried after failures in mid-call (connection lost, no answer in time, a 503 from the
    /// handler, a reply that could not be decoded).
    /// </summary>
    public bool? Idempotent { get; init; }

    /// <summary>
    /// The incoming call this one is made for: it inherits its deadline and cancellation. Null: <see cref="CallContext.Current"/>,
    /// the call the current handler serves, if any.
    /// </summary>
    public CallContext? Parent { get; init; }

    /// <summary>Call this host:port directly, without the registry (as Go Micro's WithAddress); no retries.</summary>
    public string? Address { get; init; }

    /// <summary>Only nodes for which this returns true are candidates (e.g. a version or zone).</summary>
    public Func<NodeInfo, bool>? NodeFilter { get; init; }

    /// <summary>Key/values the server handler sees in <c>CallContext.Metadata</c> (keys are lower-cased on the wire).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Codec for this call (e.g. "application/json"); default: protobuf for protobuf messages, JSON otherwise.</summary>
    public string? ContentType { get; init; }
}
