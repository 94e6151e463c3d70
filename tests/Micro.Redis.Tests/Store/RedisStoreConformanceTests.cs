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
}
