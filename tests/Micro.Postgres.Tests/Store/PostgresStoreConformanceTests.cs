using Micro.Conformance;
using Micro.Conformance.Store;
using Micro.Postgres.Store;
using Micro.Store;

namespace Micro.Postgres.Tests.Store;

public class PostgresStoreConformanceTests : StoreConformanceSuite
{
    protected override Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time) =>
        Task.FromResult<IStore>(new PostgresStore(TestServers.Postgres, options, time));

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
