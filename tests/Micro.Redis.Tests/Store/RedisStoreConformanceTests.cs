using Micro.Conformance;
using Micro.Conformance.Store;
using Micro.Redis.Store;
using Micro.Store;
using StackExchange.Redis;

namespace Micro.Redis.Tests.Store;

public class RedisStoreConformanceTests : StoreConformanceSuite
{
    // Expiry is Redis's clock: TTL tests wait for real, and clients' clocks must not matter.
    protected override bool ControllableClock => false;

    protected override bool ServerClock => true;

    protected override bool Persistent => true;

    protected override async Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time) =>
        await RedisStore.ConnectAsync(TestServers.Redis, options, time);

    protected override Task SweepAsync(IStore store) => ((RedisStore)store).SweepAsync(CancellationToken.None);

    protected override async Task DropDatabasesAsync(IReadOnlyList<string> databases)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        var server = redis.GetServers()[0];
        var db = redis.GetDatabase();
        foreach (var database in databases)
        {
            var keys = server.Keys(pattern: $"micro:{{{database}/*", pageSize: 1000).ToArray();
            if (keys.Length > 0) await db.KeyDeleteAsync(keys);
        }
    }
}
