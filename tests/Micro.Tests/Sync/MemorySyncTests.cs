using Micro.Conformance;
using Micro.Errors;
using Micro.Plugins;
using Micro.Sync;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Micro.Tests.Sync;

/// <summary>Lease logic on a fake clock: expiry without renewal, renewal keeping a hold, the lost signal.</summary>
public sealed class MemorySyncTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_lease_that_expires_without_renewal_is_no_longer_held_and_fires_lost()
    {
        var clock = new FakeTimeProvider();
        await using var sync = new MemorySync(time: clock);
        var held = await sync.LockAsync("a", new LockOptions { Ttl = Ttl });
        var start = clock.GetUtcNow();
        sync.Revoke("lock/a");

        // Renewal is due at TTL/3 and finds the lease gone: lost fires then, well before the TTL.
        await WaitUntil(() =>
        {
            if (held.Lost.IsCancellationRequested) return true;
            clock.Advance(TimeSpan.FromSeconds(1));
            return false;
        });
        Assert.True(clock.GetUtcNow() - start < Ttl / 2);
        Assert.False(held.IsHeld);
    }

    [Fact]
    public async Task IsHeld_turns_false_at_the_ttl_even_before_the_renewal_loop_runs()
    {
        var clock = new FakeTimeProvider();
        await using var sync = new MemorySync(time: clock);
        var held = await sync.LockAsync("a", new LockOptions { Ttl = Ttl });
        Assert.True(held.IsHeld);
        clock.Advance(Ttl); // one jump: no renewal had a chance
        Assert.False(held.IsHeld);
        Assert.Equal(LeaderStatus.Lost, ((ILeadership)held).Status);
    }

    [Fact]
    public async Task Renewal_keeps_a_lease_alive_across_many_ttls()
    {
        var clock = new FakeTimeProvider();
        await using var sync = new MemorySync(time: clock);
        await using var leader = await sync.LeaderAsync("e", new LeaderOptions { Ttl = Ttl, Candidate = "me" });
        var start = clock.GetUtcNow();
        for (var i = 0; i < 12; i++)
        {
            // The renewal loop runs on the thread pool: step the clock a second at a time until it renews.
            var before = sync.ExpiresAt("leader/e");
            await WaitUntil(() =>
            {
                if (sync.ExpiresAt("leader/e") > before) return true;
                clock.Advance(TimeSpan.FromSeconds(1));
                return false;
            });
        }
        Assert.True(clock.GetUtcNow() - start > 3 * Ttl);
        Assert.Equal(LeaderStatus.Leading, leader.Status);
        Assert.Equal("me", (await sync.GetLeaderAsync("e"))?.Candidate);
        await Assert.ThrowsAsync<LockTimeoutException>(async () => await sync.LeaderAsync("e", new LeaderOptions { Wait = TimeSpan.Zero }));
    }

    [Fact]
    public void LockTimeoutException_is_a_MicroException_with_a_documented_id()
    {
        MicroException error = new LockTimeoutException("x", TimeSpan.FromSeconds(1));
        Assert.Equal("micro.sync.lock_timeout", error.Id);
        Assert.Equal(408, error.Code);
        Assert.Contains("'x'", error.Detail);
    }

    [Fact]
    public async Task Disposing_the_sync_releases_its_locks()
    {
        var sync = new MemorySync();
        var held = await sync.LockAsync("a");
        await sync.DisposeAsync();
        Assert.False(held.IsHeld);
        Assert.Null(sync.ExpiresAt("lock/a"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await sync.LockAsync("b"));
    }

    [Fact]
    public void MICRO_SYNC_picks_the_implementation_and_memory_is_the_default()
    {
        static ISync Build(string? name)
        {
            var settings = new Dictionary<string, string?>();
            if (name is not null) settings["MICRO_SYNC"] = name;
            return new ServiceCollection()
                .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
                .AddMicroSync()
                .BuildServiceProvider()
                .GetRequiredService<ISync>();
        }

        Assert.IsType<MemorySync>(Build(null));
        Assert.IsType<MemorySync>(Build("memory"));
        var error = Assert.Throws<InvalidOperationException>(() => Build("zookeeper"));
        Assert.Contains("memory", error.Message);
    }

    [Fact]
    public void A_code_override_wins_over_configuration()
    {
        var custom = new MemorySync();
        var sync = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["MICRO_SYNC"] = "zookeeper" }).Build())
            .AddSingleton<ISync>(custom)
            .AddMicroSync()
            .BuildServiceProvider()
            .GetRequiredService<ISync>();
        Assert.Same(custom, sync);
    }

    /// <summary>Wall-clock time that jumps while the monotonic clock runs on (an NTP step, a VM resume).</summary>
    private sealed class JumpingClock : TimeProvider
    {
        public TimeSpan Jump { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Jump;
    }

    [Fact]
    public async Task Leases_expire_on_the_monotonic_clock_so_a_wall_clock_jump_changes_nothing()
    {
        var clock = new JumpingClock();
        await using var sync = new MemorySync(time: clock);
        await using var held = await sync.LockAsync("a", new LockOptions { Ttl = TimeSpan.FromSeconds(30) });
        clock.Jump = TimeSpan.FromHours(1); // the wall clock leaps past the lease's TTL
        Assert.True(held.IsHeld);
        await Assert.ThrowsAsync<LockTimeoutException>(async () => await sync.LockAsync("a", new LockOptions { Wait = TimeSpan.Zero }));
        clock.Jump = -TimeSpan.FromHours(2); // and back: still one holder, still releasable
        await held.UnlockAsync();
        await using var next = await sync.LockAsync("a", new LockOptions { Wait = TimeSpan.Zero });
        Assert.True(next.FencingToken > held.FencingToken);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!condition())
        {
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Delay(2);
        }
    }
}
