namespace Micro.Reflection;

/// <summary>Server reflection settings. Bound from <c>Micro:Reflection</c> / <c>MICRO_REFLECTION_*</c>.</summary>
public sealed class ReflectionOptions : IMicroOptions
{
    /// <summary>Serve <c>grpc.reflection.v1</c> and <c>v1alpha</c> (MICRO_REFLECTION_ENABLED). On by default, as service lists
    /// and message shapes are what a caller needs anyway; turn it off to hide them.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Put each endpoint's request/response JSON schema in its registry record (MICRO_REFLECTION_REGISTRY_SCHEMAS).</summary>
    public bool RegistrySchemas { get; set; } = true;

    void IMicroOptions.Read(MicroSettings s)
    {
        Enabled = s.Boolean(nameof(Enabled)) ?? Enabled;
        RegistrySchemas = s.Boolean(nameof(RegistrySchemas)) ?? RegistrySchemas;
    }

    IEnumerable<string> IMicroOptions.Validate() => [];
}
