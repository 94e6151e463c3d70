using System.Text.Json;

namespace Micro.Registry;

/// <summary>Comparing service records as registries store them (by their JSON form: every field counts).</summary>
internal static class RegistryRecords
{
    /// <summary>True when both records would be stored identically.</summary>
    public static bool Same(ServiceInfo a, ServiceInfo b) =>
        ReferenceEquals(a, b) ||
        JsonSerializer.SerializeToUtf8Bytes(a, RegistryJsonContext.Default.ServiceInfo).AsSpan()
            .SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(b, RegistryJsonContext.Default.ServiceInfo));
}
