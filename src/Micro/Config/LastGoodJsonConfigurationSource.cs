using Microsoft.Extensions.Configuration;

namespace Micro.Config;

/// <summary>
/// A JSON file source that hot-reloads like <c>AddJsonFile(reloadOnChange: true)</c> but never wipes the
/// running configuration: a save that is not valid JSON, or a file that is missing for a while (an editor
/// that renames the old file away before writing the new one), keeps the last good values and raises
/// <see cref="IReportsLoadErrors.LoadFailed"/>; the next good save loads. An optional file may be missing,
/// folder and all, at start; it is picked up when it appears. (The stock JSON provider empties its data
/// when a reload fails and throws at start when the folder is missing.)
/// </summary>
public sealed class LastGoodJsonConfigurationSource : IConfigurationSource
{
    /// <summary>The file's path (relative paths are relative to the current directory).</summary>
    public required string Path { get; init; }

    /// <summary>When true, a file (or folder) missing at start is not an error.</summary>
    public bool Optional { get; init; }

    /// <inheritdoc />
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new LastGoodJsonConfigurationProvider(this);
}
