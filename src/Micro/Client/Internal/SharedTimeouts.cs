namespace Micro.Client.Internal;

/// <summary>
/// The client's default timeout, kept by the client instead of sent as a gRPC deadline. A gRPC deadline costs every call
/// a timer on the client, a <c>grpc-timeout</c> header and a timer on the server (about 600 bytes and a microsecond of CPU
/// per call, the largest part of Micro's cost over raw grpc-dotnet). Calls whose default deadlines fall within one
/// <see cref="Slice"/> share one token instead, which fires no earlier than any of them and at most a slice later; the
/// call is cancelled (RST_STREAM), so the server's handler is cancelled too.
/// </summary>
internal sealed class SharedTimeouts(TimeProvider time)
{
    /// <summary>How late a shared timeout may fire; a default timeout is seconds, so a tenth of one is plenty.</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    // Calls from one client share one timeout, so their deadlines grow with the clock: the newest slice serves nearly all.
    private Bucket? _newest;

    /// <summary>A token cancelled at or shortly after <paramref name="deadline"/> (UTC, on the client's clock).</summary>
    public CancellationToken At(DateTime deadline)
    {
        var bucket = Volatile.Read(ref _newest);
        if (bucket is not null && deadline <= bucket.FiresAt && bucket.FiresAt - deadline <= Slice) return bucket.Token;
        var firesAt = deadline + Slice;
        var fresh = new Bucket(firesAt, new CancellationTokenSource(Clamp(firesAt - time.GetUtcNow().UtcDateTime), time));
        // A racing call may have made its own slice; either serves, and the loser's timer still fires and frees itself.
        Volatile.Write(ref _newest, fresh);
        return fresh.Token;
    }

    // A timer takes at most uint.MaxValue - 1 ms (49 days): a timeout that long is as good as none.
    private static TimeSpan Clamp(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? TimeSpan.Zero : delay < LongestDelay ? delay : LongestDelay;

    private static readonly TimeSpan LongestDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    private sealed class Bucket(DateTime firesAt, CancellationTokenSource source)
    {
        public DateTime FiresAt { get; } = firesAt;

        // Never disposed: it is shared by calls that may still register on it; once it fired its timer is released.
        public CancellationToken Token { get; } = source.Token;
    }
}
