using Micro.Conformance;
using Micro.Conformance.Store;
using Micro.Postgres.Store;
using Micro.Store;

namespace Micro.Postgres.Tests.Store;

public class PostgresStoreConformanceTests : StoreConformanceSuite
{
    protected override Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time) =>
        Task.FromResult<IStore>(new PostgresStore(TestServers.Postgres, options, time));
}
