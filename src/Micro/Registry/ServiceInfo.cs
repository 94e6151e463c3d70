namespace Micro.Registry;

/// <summary>A service as the registry knows it: one name and version, its endpoints and live nodes.</summary>
public sealed record ServiceInfo
{
    public required string Name { get; init; }
    public string Version { get; init; } = "latest";
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata.Instance;
    public IReadOnlyList<EndpointInfo> Endpoints { get; init; } = [];
    public IReadOnlyList<NodeInfo> Nodes { get; init; } = [];
}

/// <summary>One running instance of a service.</summary>
public sealed record NodeInfo
{
    /// <summary>Unique per process, e.g. <c>greeter-3f2a...</c>.</summary>
    public required string Id { get; init; }

    /// <summary>host:port where the node serves RPC.</summary>
    public required string Address { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata.Instance;
}

/// <summary>An endpoint a service serves, with its request and response type names.</summary>
public sealed record EndpointInfo
{
    /// <summary>e.g. <c>Greeter.Hello</c>.</summary>
    public required string Name { get; init; }
    public string Request { get; init; } = "";
    public string Response { get; init; } = "";
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata.Instance;
}

internal static class EmptyMetadata
{
    public static readonly IReadOnlyDictionary<string, string> Instance = new Dictionary<string, string>();
}
