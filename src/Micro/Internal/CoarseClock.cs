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

    // The wall clock as last read, with the coarse tick it was read at: one object, so a reader sees a matching pair.
    private sealed record WallClock(long Tick, DateTime Utc);

    private static WallClock s_wall = new(long.MinValue, default);

    /// <summary>
    /// UTC now, as read at most one coarse tick ago (a few milliseconds): for a deadline the client keeps itself, where a
    /// few milliseconds do not matter and the precise clock would be one more read per call. Precise under a test's
    /// <see cref="TimeProvider"/>.
    /// </summary>
    public static DateTime UtcNow(TimeProvider time)
    {
        if (!ReferenceEquals(time, TimeProvider.System)) return time.GetUtcNow().UtcDateTime;
        var tick = Environment.TickCount64;
        var wall = Volatile.Read(ref s_wall);
        if (wall.Tick == tick) return wall.Utc;
        var utc = DateTime.UtcNow;
        Volatile.Write(ref s_wall, new WallClock(tick, utc));
        return utc;
    }

    /// <summary><paramref name="span"/> in the unit of <see cref="Milliseconds"/>.</summary>
    public static long Of(TimeSpan span) => (long)span.TotalMilliseconds;
}
