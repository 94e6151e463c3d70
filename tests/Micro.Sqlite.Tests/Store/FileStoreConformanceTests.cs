using Micro.Conformance.Store;
using Micro.Sqlite.Store;
using Micro.Store;

namespace Micro.Sqlite.Tests.Store;

public sealed class FileStoreConformanceTests : StoreConformanceSuite, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-store-").FullName;

    protected override Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time)
    {
        options.Address = _folder;
        return Task.FromResult<IStore>(new FileStore(options, time));
    }

    protected override bool Persistent => true;

    protected override Task SweepAsync(IStore store) => ((FileStore)store).SweepAsync(CancellationToken.None);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
