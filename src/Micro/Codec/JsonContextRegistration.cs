using System.Text.Json.Serialization.Metadata;

namespace Micro.Codec;

/// <summary>A source-generated JSON context registered with <c>services.AddMicroJson(...)</c>.</summary>
internal sealed record JsonContextRegistration(IJsonTypeInfoResolver Resolver);

/// <summary>
/// Present when the app called <c>services.AddMicroJsonReflection()</c>: builds the reflection-backed codec. The factory
/// is created inside that (annotated) call, so the codec's construction here carries no trimming warning.
/// </summary>
internal sealed record JsonReflectionRegistration(Func<IEnumerable<IJsonTypeInfoResolver>, JsonCodec> Create);
