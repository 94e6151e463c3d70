using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Micro.Config;

/// <summary>A configuration value at one path: read it as a type with a fallback, or bind its subtree.</summary>
public readonly struct ConfigValue(IConfigurationSection section)
{
    /// <summary>The configuration path, e.g. <c>database:host</c>.</summary>
    public string Path => section.Path;

    /// <summary>True when the path has a value or children.</summary>
    public bool Exists => section.Exists();

    /// <summary>The raw string (null when the path has no value of its own).</summary>
    public string? Raw => section.Value;

    /// <summary>The underlying section (bind a subtree with <c>Section.Get&lt;T&gt;()</c>).</summary>
    public IConfigurationSection Section => section;

    /// <summary>The value as text; the fallback when missing.</summary>
    public string String(string fallback) => section.Value ?? fallback;

    /// <summary>The value converted to <typeparamref name="T"/> (invariant culture); the fallback when missing or not convertible.</summary>
    public T As<T>(T fallback) where T : IParsable<T> =>
        section.Value is { } text && T.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    /// <summary>The value as true/false; the fallback when missing or not a boolean.</summary>
    public bool Bool(bool fallback) => section.Value is { } text && bool.TryParse(text, out var value) ? value : fallback;

    /// <summary>The value as a duration ("5s", "250ms", "00:00:05"); the fallback when missing or not a duration.</summary>
    public TimeSpan Duration(TimeSpan fallback) => MicroDuration.TryParse(section.Value, out var value) ? value : fallback;

    // No generic Bind<T> here: the configuration binder's source generator (NativeAOT) cannot bind a type parameter.
    // Bind a subtree with `value.Section.Get<DbOptions>()` in your own code, where the generator sees the type.

    /// <summary>The raw value, or an empty string.</summary>
    public override string ToString() => section.Value ?? "";
}
