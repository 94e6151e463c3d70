namespace Micro.Client;

/// <summary>Client defaults. Bound from <c>Micro:Client</c> / <c>MICRO_CLIENT_*</c>.</summary>
public sealed record ClientOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries on another node after a transport failure (refused, reset, node shutting down).</summary>
    public int Retries { get; init; } = 1;

    /// <summary>First backoff between attempts; doubles each retry, bounded by the call's deadline.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a node that failed is skipped.</summary>
    public TimeSpan FailedNodeQuarantine { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a registry answer is reused when no watch event invalidates it first.</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest message the client accepts in a response.</summary>
    public int MaxMessageSize { get; init; } = 4 * 1024 * 1024;
}
