using Micro.Conformance;
using Micro.Conformance.Auth;
using Micro.Redis.Store;
using Micro.Store;

namespace Micro.Redis.Tests.Auth;

/// <summary>The auth conformance suite on the shared Redis server: each node has its own connection.</summary>
public class RedisAuthConformanceTests : AuthConformanceSuite
{
    protected override async Task<IStore> ConnectAsync() => await RedisStore.ConnectAsync(TestServers.Redis);
}
