using Micro.Conformance;
using Micro.Conformance.Store;
using Micro.Redis.Store;
using Micro.Store;

namespace Micro.Redis.Tests.Store;

public class RedisStoreConformanceTests : StoreConformanceSuite
{
    protected override bool ControllableClock => false;

    protected override async Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time) =>
        await RedisStore.ConnectAsync(TestServers.Redis, options, prefix: "micro-test:");

    protected override async Task DropDatabasesAsync(IReadOnlyList<string> databases)
    {
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        var server = redis.GetServers()[0];
        var db = redis.GetDatabase();
        foreach (var database in databases)
        {
            var keys = server.Keys(pattern: $"micro-test:{{{database}/*", pageSize: 1000).ToArray();
            if (keys.Length > 0) await db.KeyDeleteAsync(keys);
        }
    }
}
