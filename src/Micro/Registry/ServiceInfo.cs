namespace Micro.Registry;

/// <summary>A service as the registry knows it: one name and version, its endpoints and live nodes.</summary>
public sealed record ServiceInfo
{
    /// <summary>The service's name, e.g. <c>greeter</c> (also the protobuf package of its endpoints).</summary>
    public required string Name { get; init; }
    /// <summary>The version its nodes run; several versions of one service may be registered side by side.</summary>
    public string Version { get; init; } = "latest";
    /// <summary>Free-form string key/values.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata.Instance;
    /// <summary>The endpoints the service serves.</summary>
    public IReadOnlyList<EndpointInfo> Endpoints { get; init; } = [];
    /// <summary>The live nodes (processes) of this version.</summary>
    public IReadOnlyList<NodeInfo> Nodes { get; init; } = [];
}

/// <summary>One running instance of a service.</summary>
public sealed record NodeInfo
{
    /// <summary>Unique per process, e.g. <c>greeter-3f2a...</c>.</summary>
    public required string Id { get; init; }

    /// <summary>host:port where the node serves RPC.</summary>
    public required string Address { get; init; }

    /// <summary>Free-form string key/values.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata.Instance;
}

/// <summary>An endpoint a service serves, with its request and response type names.</summary>
public sealed record EndpointInfo
{
    /// <summary>e.g. <c>Greeter.Hello</c>.</summary>
    public required string Name { get; init; }
    /// <summary>The request type's name (protobuf full name or .NET type name).</summary>
    public string Request { get; init; } = "";
    /// <summary>The response type's name (protobuf full name or .NET type name).</summary>
    public string Response { get; init; } = "";
    /// <summary>Free-form string key/values.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata.Instance;
}

internal static class EmptyMetadata
{
    public static readonly IReadOnlyDictionary<string, string> Instance = new Dictionary<string, string>();
}
