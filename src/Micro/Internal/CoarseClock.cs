namespace Micro.Internal;

/// <summary>
/// Monotonic milliseconds for what needs no finer clock: cache expiry, idle sweeps, the selector's decay. On the system
/// clock this is <see cref="Environment.TickCount64"/> (CLOCK_MONOTONIC_COARSE, a few ns to read against about 20 for
/// the precise clock on this kind of VM, and a call used to read it five times); under a test's
/// <see cref="TimeProvider"/>, that provider's timestamps in milliseconds.
/// </summary>
internal static class CoarseClock
{
    /// <summary>Now, in milliseconds on <paramref name="time"/>'s monotonic clock (resolution: a few milliseconds).</summary>
    public static long Milliseconds(TimeProvider time) =>
        ReferenceEquals(time, TimeProvider.System) ? Environment.TickCount64 : (long)time.GetElapsedTime(0, time.GetTimestamp()).TotalMilliseconds;

    /// <summary><paramref name="span"/> in the unit of <see cref="Milliseconds"/>.</summary>
    public static long Of(TimeSpan span) => (long)span.TotalMilliseconds;
}
