using Micro.Conformance;
using Micro.Redis.Sync;
using Micro.Sync;
using StackExchange.Redis;

namespace Micro.Redis.Tests.Sync;

/// <summary>Redis restarts and configuration, on a private Redis of the test's own (never the shared one).</summary>
public sealed class RedisSyncFaultTests
{
    private static ConnectionMultiplexer Connect(PrivateServer redis) =>
        ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { redis.Address }, AbortOnConnectFail = false, ConnectRetry = 10 });

    [Fact]
    public async Task A_waiter_rides_out_a_Redis_restart_and_fencing_tokens_keep_increasing_without_persistence()
    {
        await using var redis = PrivateServer.Redis(appendOnly: false);
        await redis.StartAsync();
        using var holderConnection = Connect(redis);
        using var waiterConnection = Connect(redis);
        await using var holder = new RedisSync(holderConnection);
        await using var waiter = new RedisSync(waiterConnection);

        var held = await holder.LockAsync("job", new LockOptions { Ttl = TimeSpan.FromSeconds(20) });
        var before = held.FencingToken;
        // A waiter with no timeout: the backend going away must not end its wait.
        var waiting = waiter.LockAsync("job", new LockOptions { Ttl = TimeSpan.FromSeconds(5) }).AsTask();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (waiter.Attempts < 2 && DateTime.UtcNow < until) await Task.Delay(10); // it tried and listens now
        await redis.StopAsync(); // SIGKILL, no persistence: the lease and the fence counter are gone
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted);
        await redis.StartAsync();

        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(next.FencingToken > before, $"token {next.FencingToken} after a restart, not above {before}");
        await held.UnlockAsync(); // its lease is gone: releasing is harmless and never touches the new holder's
        Assert.True(next.IsHeld);
        await Assert.ThrowsAsync<LockTimeoutException>(async () => await holder.LockAsync("job", new LockOptions { Wait = TimeSpan.Zero }));
    }

    [Fact]
    public async Task An_allkeys_eviction_policy_is_refused_with_a_clear_error()
    {
        await using var redis = PrivateServer.Redis();
        await redis.StartAsync();
        using var connection = Connect(redis);
        await connection.GetDatabase().ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        await using var sync = new RedisSync(connection);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await sync.LockAsync("a", new LockOptions { Wait = TimeSpan.Zero }));
        Assert.Contains("maxmemory-policy", e.Message);
        Assert.Contains("allkeys-lru", e.Message);

        await connection.GetDatabase().ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        await using var fine = new RedisSync(connection);
        await using var held = await fine.LockAsync("a", new LockOptions { Wait = TimeSpan.Zero });
        Assert.True(held.IsHeld);
    }

    [Fact]
    public async Task A_lease_and_its_fence_counter_live_in_one_cluster_slot()
    {
        await using var redis = PrivateServer.Redis();
        await redis.StartAsync();
        using var connection = Connect(redis);
        await using var sync = new RedisSync(connection, new SyncOptions { Namespace = "slots" });
        await using (await sync.LockAsync("order/42")) { }
        var keys = connection.GetServers()[0].Keys(pattern: "slots:*").Select(k => (string)k!).ToList();
        Assert.Equal(["slots:sync:{lock/order/42}:fence"], keys); // the released lease is gone; its counter stays
        Assert.Equal(connection.HashSlot(sync.LeaseKey("lock/order/42")), connection.HashSlot(keys[0]));
    }
}
