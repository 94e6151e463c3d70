using Micro.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Micro.Tests.Internal;

/// <summary>The coarse clocks the call path reads instead of the precise one.</summary>
public sealed class CoarseClockTests
{
    [Fact]
    public void The_coarse_wall_clock_is_a_test_providers_own_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(time.GetUtcNow().UtcDateTime, CoarseClock.UtcNow(time));

        time.Advance(TimeSpan.FromMilliseconds(3));
        Assert.Equal(new DateTime(2026, 12, 1, 12, 0, 0, 3, DateTimeKind.Utc), CoarseClock.UtcNow(time));
    }

    [Fact]
    public void The_coarse_wall_clock_trails_the_system_clock_by_at_most_a_tick()
    {
        // One coarse tick is a jiffy (1-10 ms); 100 ms leaves room for a descheduled test thread, not for a stale cache.
        var before = DateTime.UtcNow;
        var coarse = CoarseClock.UtcNow(TimeProvider.System);
        var after = DateTime.UtcNow;

        Assert.Equal(DateTimeKind.Utc, coarse.Kind);
        Assert.InRange(coarse, before - TimeSpan.FromMilliseconds(100), after);
    }
}
