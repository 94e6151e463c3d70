using Micro.Conformance;
using Micro.Conformance.Sync;
using Micro.Redis.Sync;
using Micro.Sync;
using StackExchange.Redis;

namespace Micro.Redis.Tests.Sync;

public sealed class RedisSyncConformanceTests : SyncConformance, IDisposable
{
    private readonly ConnectionMultiplexer _connection = ConnectionMultiplexer.Connect(TestServers.Redis);
    protected override ISync CreateSync(SyncOptions options) => new RedisSync(ConnectionMultiplexer.Connect(TestServers.Redis), options) { OwnsConnection = true };

    protected override async Task RevokeAsync(ISync sync, string key) =>
        Assert.True(await _connection.GetDatabase().KeyDeleteAsync(((RedisSync)sync).LeaseKey(key)));

    public void Dispose()
    {
        // Leases are gone after unlock; the per-id fencing counters are this test's own keys.
        var server = _connection.GetServers()[0];
        var db = _connection.GetDatabase();
        foreach (var key in server.Keys(pattern: Namespace + ":*")) db.KeyDelete(key);
        _connection.Dispose();
    }
}

public sealed class RedisSyncProcessTests : SyncProcessConformance
{
    protected override string Backend => "redis";

    protected override string Address => TestServers.Redis;

    protected override ISync CreateSync() => new RedisSync(ConnectionMultiplexer.Connect(TestServers.Redis)) { OwnsConnection = true };
}
