using System.Text.Json.Serialization;

namespace Micro.Registry;

/// <summary>Source-generated JSON for registry records (mDNS TXT payloads, etcd values): NativeAOT-safe.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(ServiceInfo))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
