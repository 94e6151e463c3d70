namespace Micro.Config;

/// <summary>A configuration provider that keeps its last good data when a (re)load fails, and says so.</summary>
public interface IReportsLoadErrors
{
    /// <summary>Raised on each failed load; the provider's previous values stay in effect.</summary>
    event Action<ConfigLoadError>? LoadFailed;

    /// <summary>Why the last load failed, or null when the source is loaded and current.</summary>
    ConfigLoadError? LastError { get; }
}
