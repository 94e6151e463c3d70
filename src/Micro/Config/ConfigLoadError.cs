namespace Micro.Config;

/// <summary>A source that could not be (re)loaded; its last good values are still in effect.</summary>
public sealed record ConfigLoadError(string Source, string Message, DateTimeOffset At);
