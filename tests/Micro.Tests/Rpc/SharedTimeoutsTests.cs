using Micro.Client.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Micro.Tests.Rpc;

/// <summary>The client's default timeout: shared tokens never fire before a call's deadline, and at most a slice after it.</summary>
public sealed class SharedTimeoutsTests
{
    [Fact]
    public void A_token_fires_at_its_deadline_not_before_and_at_most_a_slice_after()
    {
        var (time, timeouts) = Start();
        var deadline = time.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(10);

        var token = timeouts.At(deadline);
        time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.False(token.IsCancellationRequested);
        time.Advance(SharedTimeouts.Slice + TimeSpan.FromTicks(1));
        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public void Calls_whose_deadlines_fall_in_one_slice_share_a_token_and_later_ones_get_their_own()
    {
        var (time, timeouts) = Start();
        var first = time.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(10);

        var a = timeouts.At(first);
        var b = timeouts.At(first + SharedTimeouts.Slice / 2);
        var c = timeouts.At(first + SharedTimeouts.Slice * 2);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        time.Advance(TimeSpan.FromSeconds(10) + SharedTimeouts.Slice);
        Assert.True(a.IsCancellationRequested);
        Assert.False(c.IsCancellationRequested); // its deadline is a slice later: never cancelled early
        time.Advance(SharedTimeouts.Slice * 2);
        Assert.True(c.IsCancellationRequested);
    }

    [Fact]
    public void A_deadline_earlier_than_the_newest_slice_gets_a_token_that_fires_on_time()
    {
        var (time, timeouts) = Start();
        var now = time.GetUtcNow().UtcDateTime;

        var late = timeouts.At(now + TimeSpan.FromSeconds(10));
        var early = timeouts.At(now + TimeSpan.FromSeconds(1)); // e.g. the clock stepped back

        time.Advance(TimeSpan.FromSeconds(1) + SharedTimeouts.Slice);
        Assert.True(early.IsCancellationRequested);
        Assert.False(late.IsCancellationRequested);
    }

    private static (FakeTimeProvider Time, SharedTimeouts Timeouts) Start()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        return (time, new SharedTimeouts(time));
    }
}
