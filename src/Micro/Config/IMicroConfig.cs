namespace Micro.Config;

/// <summary>
/// Micro's view of the service's configuration (an <see cref="Microsoft.Extensions.Configuration.IConfiguration"/>
/// merged from every source in the order added; later sources win per key): typed values with fallbacks by
/// path, and watches that fire only when the watched path's value really changed.
/// </summary>
public interface IMicroConfig
{
    /// <summary>
    /// The value at a path: segments ("database", "host"), taken literally, so a segment may hold a dot
    /// ("Logging", "LogLevel", "Microsoft.AspNetCore"); or one string, "database:host" (dots literal) or "database.host".
    /// </summary>
    ConfigValue Get(params string[] path);

    /// <summary>
    /// Calls <paramref name="onChange"/> (path spelled as for <see cref="Get"/> with one string) with the new value each time the value (or subtree) at
    /// <paramref name="path"/> changes, and not on reloads that leave it as it was. Dispose to stop.
    /// </summary>
    IDisposable Watch(string path, Action<ConfigValue> onChange);

    /// <summary>Sources that failed to reload (e.g. a file with broken JSON) and kept their last good values.</summary>
    IReadOnlyList<ConfigLoadError> Errors { get; }

    /// <summary>Raised when a source fails to load; its previous values stay in effect.</summary>
    event Action<ConfigLoadError>? LoadFailed;
}
