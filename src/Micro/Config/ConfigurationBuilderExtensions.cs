using Microsoft.Extensions.Configuration;

namespace Micro.Config;

/// <summary>Micro's configuration sources for <see cref="IConfigurationBuilder"/>.</summary>
public static class ConfigurationBuilderExtensions
{
    /// <summary>
    /// A JSON file that hot-reloads on save and keeps the last good values when a save is invalid
    /// (see <see cref="LastGoodJsonConfigurationSource"/>). Later sources override it per key.
    /// </summary>
    public static IConfigurationBuilder AddMicroJsonFile(this IConfigurationBuilder builder, string path, bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.Add(new LastGoodJsonConfigurationSource { Path = path, Optional = optional });
    }
}
