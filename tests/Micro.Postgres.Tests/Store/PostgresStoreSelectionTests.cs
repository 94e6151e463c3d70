using Micro.Conformance;
using Micro.Postgres.Store;
using Micro.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Postgres.Tests.Store;

public class PostgresStoreSelectionTests
{
    [Fact]
    public async Task MICRO_STORE_picks_postgres_without_recompiling_and_writes_to_it()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MICRO_STORE"] = "postgres",
            ["MICRO_STORE_ADDRESS"] = TestServers.Postgres,
            ["MICRO_STORE_DATABASE"] = "sel" + Guid.NewGuid().ToString("N")[..12],
        }).Build());
        services.AddMicro();
        services.AddPostgresPlugins();
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IStore>();
        Assert.IsType<PostgresStore>(store);
        await store.WriteAsync(new StoreRecord { Key = "k", Value = "v"u8.ToArray() });
        Assert.Single(await store.ReadAsync("k"));
    }

    [Fact]
    public void Postgres_without_an_address_is_a_clear_error()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["MICRO_STORE"] = "postgres" }).Build());
        services.AddMicro().AddPostgresPlugins();
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IStore>());
        Assert.Contains("MICRO_STORE_ADDRESS", e.Message);
    }
}
