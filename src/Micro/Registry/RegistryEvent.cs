namespace Micro.Registry;

/// <summary>What happened to a service or node in the registry.</summary>
public enum RegistryEventType
{
    /// <summary>A service or node appeared.</summary>
    Create,
    /// <summary>A registered node's record changed.</summary>
    Update,
    /// <summary>A node deregistered or expired.</summary>
    Delete,
}

/// <summary>A change seen by <see cref="IRegistry.WatchAsync"/>; <see cref="Service"/> holds the node(s) concerned.</summary>
public sealed record RegistryEvent(RegistryEventType Type, ServiceInfo Service, DateTimeOffset Timestamp);
