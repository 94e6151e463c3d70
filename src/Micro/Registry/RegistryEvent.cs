namespace Micro.Registry;

public enum RegistryEventType { Create, Update, Delete }

/// <summary>A change seen by <see cref="IRegistry.WatchAsync"/>; <see cref="Service"/> holds the node(s) concerned.</summary>
public sealed record RegistryEvent(RegistryEventType Type, ServiceInfo Service, DateTimeOffset Timestamp);
