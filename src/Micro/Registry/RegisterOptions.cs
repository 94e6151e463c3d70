namespace Micro.Registry;

/// <summary>How a node registers itself.</summary>
public sealed record RegisterOptions
{
    /// <summary>How long the registration lives without a refresh.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(30);
}
