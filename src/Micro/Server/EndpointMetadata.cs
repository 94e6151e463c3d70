namespace Micro.Server;

/// <summary>Keys a Micro server puts in the registry's endpoint metadata, which clients read.</summary>
public static class EndpointMetadata
{
    /// <summary>"true" when the endpoint was registered as idempotent: a client may retry it after a failure in mid-call.</summary>
    public const string Idempotent = "idempotent";
}
