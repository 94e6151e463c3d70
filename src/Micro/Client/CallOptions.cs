using Micro.Registry;

namespace Micro.Client;

/// <summary>Per-call settings; anything left null takes the client's default (<see cref="ClientOptions"/>).</summary>
public sealed record CallOptions
{
    public static readonly CallOptions Default = new();

    /// <summary>Budget for the whole call including retries; sent to the server as the gRPC deadline.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How many times a failed attempt is retried on another node.</summary>
    public int? Retries { get; init; }

    /// <summary>Call this host:port directly, without the registry (as Go Micro's WithAddress).</summary>
    public string? Address { get; init; }

    /// <summary>Only nodes for which this returns true are candidates (e.g. a version or zone).</summary>
    public Func<NodeInfo, bool>? NodeFilter { get; init; }

    /// <summary>Key/values the server handler sees in <c>CallContext.Metadata</c> (keys are lower-cased on the wire).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Codec for this call (e.g. "application/json"); default: protobuf for protobuf messages, JSON otherwise.</summary>
    public string? ContentType { get; init; }
}
