using Micro.Conformance;
using Micro.Conformance.Store;
using Micro.Postgres.Store;
using Micro.Store;

namespace Micro.Postgres.Tests.Store;

public class PostgresStoreConformanceTests : StoreConformanceSuite
{
    // Expiry is the database's clock: TTL tests wait for real, and clients' clocks must not matter.
    protected override bool ControllableClock => false;

    protected override bool ServerClock => true;

    protected override bool Persistent => true;

    protected override Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time) =>
        Task.FromResult<IStore>(new PostgresStore(TestServers.Postgres, options, time));

    protected override Task SweepAsync(IStore store) => ((PostgresStore)store).SweepAsync(CancellationToken.None);

    protected override async Task DropDatabasesAsync(IReadOnlyList<string> databases)
    {
        await using var source = Npgsql.NpgsqlDataSource.Create(TestServers.Postgres);
        foreach (var database in databases)
        {
            await using var drop = source.CreateCommand($"DROP SCHEMA IF EXISTS \"{database}\" CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }
}
