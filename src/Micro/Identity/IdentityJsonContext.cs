using System.Text.Json;
using System.Text.Json.Serialization;

namespace Micro.Identity;

/// <summary>Source-generated JSON for the CA service's messages (NativeAOT); web defaults, as Micro's JSON codec uses.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CertificateSigningRequest))]
[JsonSerializable(typeof(IssuedCertificate))]
internal sealed partial class IdentityJsonContext : JsonSerializerContext;
