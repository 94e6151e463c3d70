using Micro.Conformance;
using Micro.Conformance.Sync;
using Micro.Postgres.Sync;
using Micro.Sync;
using Npgsql;

namespace Micro.Postgres.Tests.Sync;

public sealed class PostgresSyncConformanceTests : SyncConformance
{
    protected override ISync CreateSync(SyncOptions options) => new PostgresSync(TestServers.Postgres, options);

    protected override async Task RevokeAsync(ISync sync, string key)
    {
        await using var connection = new NpgsqlConnection(TestServers.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"UPDATE {((PostgresSync)sync).Table} SET expires_at = '-infinity' WHERE id = $1 AND expires_at > now()", connection);
        command.Parameters.AddWithValue(key);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await using var sync = new PostgresSync(TestServers.Postgres, new SyncOptions { Namespace = Namespace });
        await sync.DropAsync();
    }
}

public sealed class PostgresSyncProcessTests : SyncProcessConformance
{
    protected override string Backend => "postgres";

    protected override string Address => TestServers.Postgres;

    protected override ISync CreateSync() => new PostgresSync(TestServers.Postgres);
}
