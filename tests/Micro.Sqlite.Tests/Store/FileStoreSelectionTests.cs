using Micro.Sqlite.Store;
using Micro.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Sqlite.Tests.Store;

public sealed class FileStoreSelectionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-select-").FullName;

    [Fact]
    public async Task MICRO_STORE_file_picks_the_file_store_once_the_package_is_added()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MICRO_STORE"] = "file",
            ["MICRO_STORE_ADDRESS"] = _folder,
        }).Build());
        services.AddMicro().AddSqlitePlugins();
        await using var provider = services.BuildServiceProvider();
        var store = Assert.IsType<FileStore>(provider.GetRequiredService<IStore>());
        Assert.Equal(_folder, store.Folder);
        await store.WriteAsync(new StoreRecord { Key = "k", Value = "v"u8.ToArray() });
        Assert.True(File.Exists(Path.Combine(_folder, "micro.db")));
    }

    [Fact]
    public async Task Without_the_package_file_is_not_a_known_store_and_UseFileStore_forces_it_in_code()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["MICRO_STORE"] = "file" }).Build();
        await using (var without = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddMicro().BuildServiceProvider())
            Assert.Contains("memory", Assert.Throws<InvalidOperationException>(() => without.GetRequiredService<IStore>()).Message);

        await using var forced = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddMicro().UseFileStore(o => o.Address = _folder).BuildServiceProvider();
        Assert.Equal(_folder, Assert.IsType<FileStore>(forced.GetRequiredService<IStore>()).Folder);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
