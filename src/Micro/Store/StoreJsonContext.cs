using System.Text.Json.Serialization;

namespace Micro.Store;

/// <summary>Source-generated JSON for record metadata (NativeAOT-safe).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
