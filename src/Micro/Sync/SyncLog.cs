using Microsoft.Extensions.Logging;

namespace Micro.Sync;

/// <summary>Source-generated log messages of the sync machinery.</summary>
internal static partial class SyncLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Waiting for {Id}: the backend failed ({Failures} in a row); trying again in {Retry}")]
    public static partial void WaitFailed(ILogger logger, Exception error, string id, int failures, TimeSpan retry);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "No release notification for {Key}; waiters fall back to the lease's expiry and the poll interval")]
    public static partial void WatchFailed(ILogger logger, Exception error, string key);
}
