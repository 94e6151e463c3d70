using Micro.Conformance.Store;
using Micro.Store;

namespace Micro.Tests.Store;

public class MemoryStoreConformanceTests : StoreConformanceSuite
{
    protected override Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time) =>
        Task.FromResult<IStore>(new MemoryStore(options, time));

    protected override Task SweepAsync(IStore store)
    {
        ((MemoryStore)store).Sweep();
        return Task.CompletedTask;
    }
}
