using Micro.Errors;

namespace Micro.Sync;

/// <summary>
/// A lock (or leadership) was not obtained within its wait timeout. Id <c>micro.sync.lock_timeout</c>, code 408.
/// Cancellation through a <see cref="CancellationToken"/> throws <see cref="OperationCanceledException"/> instead.
/// </summary>
public sealed class LockTimeoutException(string lockId, TimeSpan wait)
    : MicroException(ErrorId, 408, $"lock '{lockId}' was not acquired within {wait.TotalMilliseconds:0} ms")
{
    /// <summary>The error id, <c>micro.sync.lock_timeout</c>.</summary>
    public const string ErrorId = "micro.sync.lock_timeout";

    /// <summary>The id of the lock or election that was waited for.</summary>
    public string LockId { get; } = lockId;

    /// <summary>How long the caller waited.</summary>
    public TimeSpan Wait { get; } = wait;
}
