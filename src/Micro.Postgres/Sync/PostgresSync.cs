using Micro.Sync;
using Npgsql;

namespace Micro.Postgres.Sync;

/// <summary>
/// Locks as rows of a lease table: a row is taken by an upsert that only overwrites an expired row,
/// renewed and deleted only where holder and token still match. Expiry is judged by the database's
/// clock alone (<c>now()</c>), so clients' clocks do not matter for exclusion. The fencing token is a
/// per-id counter in the same row, incremented under the row lock by the statement that takes the
/// lease; a release only expires the row (it keeps the counter), so tokens strictly increase. Leases (not
/// session advisory locks) keep the same semantics behind poolers such as PgBouncer and on CockroachDB.
/// </summary>
public sealed class PostgresSync : LeaseSync
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly string _schema;
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private volatile bool _created;

    /// <param name="schema">Schema of the lease table; created on first use.</param>
    /// <param name="table">Table name inside the schema; tests use a unique one.</param>
    public PostgresSync(string connectionString, string schema = "micro", string table = "sync_leases", TimeProvider? time = null)
        : base(time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        _schema = Quote(schema);
        _table = _schema + "." + Quote(table);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>Schema-qualified, quoted name of the lease table.</summary>
    public string Table => _table;

    protected override async ValueTask<LeaseClaim?> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        // ON CONFLICT re-checks the WHERE on the latest row version under a row lock: two takers cannot both win.
        // NOT EXISTS first: a waiter that sees a live lease writes nothing and takes no row lock.
        await using var command = _dataSource.CreateCommand($"""
            INSERT INTO {_table} AS l (id, holder, token, expires_at)
            SELECT $1, $2, 1, now() + $3
            WHERE NOT EXISTS (SELECT 1 FROM {_table} WHERE id = $1 AND expires_at > now())
            ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, token = l.token + 1, expires_at = excluded.expires_at
            WHERE l.expires_at <= now()
            RETURNING token
            """);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue(value);
        command.Parameters.AddWithValue(ttl);
        var token = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return token is long t ? new LeaseClaim(key, value, t) : null;
    }

    protected override async ValueTask<bool> RenewAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            $"UPDATE {_table} SET expires_at = now() + $4 WHERE id = $1 AND holder = $2 AND token = $3 AND expires_at > now()");
        command.Parameters.AddWithValue(claim.Key);
        command.Parameters.AddWithValue(claim.Value);
        command.Parameters.AddWithValue(claim.Token);
        command.Parameters.AddWithValue(ttl);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    // Expire rather than delete: the row carries the id's fencing counter.
    protected override async ValueTask ReleaseAsync(LeaseClaim claim, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"UPDATE {_table} SET holder = '', expires_at = '-infinity' WHERE id = $1 AND holder = $2 AND token = $3");
        command.Parameters.AddWithValue(claim.Key);
        command.Parameters.AddWithValue(claim.Value);
        command.Parameters.AddWithValue(claim.Token);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand($"SELECT holder, token FROM {_table} WHERE id = $1 AND expires_at > now()");
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new LeaseClaim(key, reader.GetString(0), reader.GetInt64(1)) : null;
    }

    /// <summary>Drops this instance's table (tests).</summary>
    public async Task DropAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand($"DROP TABLE IF EXISTS {_table}");
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _created = false;
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _createGate.Dispose();
    }

    private async ValueTask EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_created) return;
        await _createGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_created) return;
            // Several processes may create at once; IF NOT EXISTS still races in the catalog, so serialise on an advisory lock.
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand($"""
                SELECT pg_advisory_xact_lock(hashtext('micro.schema'));
                CREATE SCHEMA IF NOT EXISTS {_schema};
                CREATE TABLE IF NOT EXISTS {_table} (id text PRIMARY KEY, holder text NOT NULL, token bigint NOT NULL, expires_at timestamptz NOT NULL);
                """, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _created = true;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.DuplicateTable)
        {
            // Another creator (without our advisory lock) won the race: the objects exist now.
            _created = true;
        }
        finally
        {
            _createGate.Release();
        }
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
