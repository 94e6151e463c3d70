using Micro.Conformance;
using Micro.Conformance.Auth;
using Micro.Postgres.Store;
using Micro.Store;

namespace Micro.Postgres.Tests.Auth;

/// <summary>The auth conformance suite on the shared PostgreSQL server: each node has its own connection pool.</summary>
public class PostgresAuthConformanceTests : AuthConformanceSuite
{
    protected override Task<IStore> ConnectAsync() => Task.FromResult<IStore>(new PostgresStore(TestServers.Postgres, new StoreOptions(), TimeProvider.System));

    protected override async Task DropDatabaseAsync(IStore store, string database)
    {
        await using var source = Npgsql.NpgsqlDataSource.Create(TestServers.Postgres);
        await using var drop = source.CreateCommand($"DROP SCHEMA IF EXISTS \"{database}\" CASCADE");
        await drop.ExecuteNonQueryAsync();
    }
}
