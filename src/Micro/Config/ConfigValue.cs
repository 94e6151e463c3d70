using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Micro.Config;

/// <summary>A configuration value at one path: read it as a type with a fallback, or bind its subtree.</summary>
public readonly struct ConfigValue(IConfigurationSection section)
{
    public string Path => section.Path;

    /// <summary>True when the path has a value or children.</summary>
    public bool Exists => section.Exists();

    /// <summary>The raw string (null when the path has no value of its own).</summary>
    public string? Raw => section.Value;

    public IConfigurationSection Section => section;

    public string String(string fallback) => section.Value ?? fallback;

    /// <summary>The value converted to <typeparamref name="T"/> (invariant culture); the fallback when missing or not convertible.</summary>
    public T As<T>(T fallback) where T : IParsable<T> =>
        section.Value is { } text && T.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    public bool Bool(bool fallback) => section.Value is { } text && bool.TryParse(text, out var value) ? value : fallback;

    public TimeSpan Duration(TimeSpan fallback) => section.Value is { } text && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    /// <summary>The subtree bound to a new <typeparamref name="T"/> (Microsoft.Extensions.Configuration binding).</summary>
    [RequiresUnreferencedCode("Binding uses reflection; use the configuration binding source generator for trimmed apps.")]
    [RequiresDynamicCode("Binding uses reflection; use the configuration binding source generator for NativeAOT.")]
    public T Bind<T>(T fallback) => section.Get<T>() ?? fallback;

    public override string ToString() => section.Value ?? "";
}
