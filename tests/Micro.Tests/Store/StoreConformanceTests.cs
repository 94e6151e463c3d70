using Micro.Conformance.Store;
using Micro.Store;

namespace Micro.Tests.Store;

public class MemoryStoreConformanceTests : StoreConformanceSuite
{
    protected override Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time) =>
        Task.FromResult<IStore>(new MemoryStore(options, time));
}

public sealed class FileStoreConformanceTests : StoreConformanceSuite, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-store-").FullName;

    protected override Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time) =>
        Task.FromResult<IStore>(new FileStore(options with { Address = _folder }, time));

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
