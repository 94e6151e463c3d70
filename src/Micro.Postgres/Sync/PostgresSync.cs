using Micro.Sync;
using Microsoft.Extensions.Logging;
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
    private readonly string _channel;
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private readonly ReleaseListener _listener;
    private volatile bool _created;

    /// <summary>
    /// Locks in the table <c>"{Namespace}".sync_leases</c> of the database <paramref name="connectionString"/> names
    /// (created on first use); releases are announced with NOTIFY on the channel <c>{Namespace}.sync</c>.
    /// </summary>
    public PostgresSync(string connectionString, SyncOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
        : base(options, time, logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _schema = Quote(Options.Namespace);
        _table = _schema + ".sync_leases";
        _channel = Options.Namespace + ".sync";
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _listener = new ReleaseListener(_dataSource, _channel);
    }

    /// <summary>Schema-qualified, quoted name of the lease table.</summary>
    internal string Table => _table;

    /// <inheritdoc />
    protected override async ValueTask<LeaseAttempt> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        // ON CONFLICT re-checks the WHERE on the latest row version under a row lock: two takers cannot both win.
        // NOT EXISTS first: a waiter that sees a live lease writes nothing and takes no row lock; it learns how long
        // that lease has left (the database's clock), to sleep until then.
        await using var command = _dataSource.CreateCommand($"""
            WITH taken AS (
              INSERT INTO {_table} AS l (id, holder, token, expires_at)
              SELECT $1, $2, 1, now() + $3
              WHERE NOT EXISTS (SELECT 1 FROM {_table} WHERE id = $1 AND expires_at > now())
              ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, token = l.token + 1, expires_at = excluded.expires_at
              WHERE l.expires_at <= now()
              RETURNING token)
            SELECT (SELECT token FROM taken),
                   (SELECT (extract(epoch FROM expires_at - now()) * 1000)::bigint FROM {_table} WHERE id = $1 AND expires_at > now())
            """);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue(value);
        command.Parameters.AddWithValue(ttl);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!reader.IsDBNull(0)) return LeaseAttempt.Acquired(new LeaseClaim(key, value, reader.GetInt64(0)));
        return LeaseAttempt.Held(reader.IsDBNull(1) ? null : TimeSpan.FromMilliseconds(Math.Max(0, reader.GetInt64(1))));
    }

    /// <inheritdoc />
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

    // Expire rather than delete: the row carries the id's fencing counter. NOTIFY (sent at commit) wakes waiters elsewhere.
    /// <inheritdoc />
    protected override async ValueTask ReleaseAsync(LeaseClaim claim, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"""
            WITH released AS (UPDATE {_table} SET holder = '', expires_at = '-infinity' WHERE id = $1 AND holder = $2 AND token = $3 RETURNING id)
            SELECT pg_notify($4, id) FROM released WHERE octet_length(id) < 8000
            """);
        command.Parameters.AddWithValue(claim.Key);
        command.Parameters.AddWithValue(claim.Value);
        command.Parameters.AddWithValue(claim.Token);
        command.Parameters.AddWithValue(_channel);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>LISTEN on one connection per sync, shared by every waiting key (none on CockroachDB or behind a transaction pooler: waiters then poll).</summary>
    /// <inheritdoc />
    protected override async ValueTask<IAsyncDisposable?> WatchReleasesAsync(string key, Action released, CancellationToken cancellationToken) =>
        await _listener.AddAsync(key, released, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand($"SELECT holder, token FROM {_table} WHERE id = $1 AND expires_at > now()");
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new LeaseClaim(key, reader.GetString(0), reader.GetInt64(1)) : null;
    }

    /// <summary>Drops this instance's schema and table (tests).</summary>
    internal async Task DropAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _created = false;
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeCoreAsync()
    {
        await _listener.DisposeAsync().ConfigureAwait(false);
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
