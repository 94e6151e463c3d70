using System.Collections.Concurrent;
using System.Text;
using Micro.Store;
using Npgsql;
using NpgsqlTypes;

namespace Micro.Postgres.Store;

/// <summary>
/// The store on PostgreSQL or CockroachDB (one SQL dialect both accept): a schema per database, a
/// table per table, created on first use. Keys are bytea (UTF-8), so the primary key orders them by
/// bytes and a prefix or cursor is an index range scan. Expiry is judged by the database's clock only
/// (<c>now()</c>), so clients with skewed clocks agree on what is live. Versions come from a sequence per
/// table, so a key's version never repeats across delete and expiry.
/// </summary>
public sealed class PostgresStore : IStore
{
    /// <summary>The database's clock in Unix milliseconds, the unit expiries are stored in.</summary>
    private const string Now = "(extract(epoch from now()) * 1000)::bigint";
    private const string Live = $"(expiry IS NULL OR expiry > {Now})";

    private readonly NpgsqlDataSource _source;
    private readonly StoreOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _tables = new(StringComparer.Ordinal);
    private readonly ExpirySweeper _sweeper;
    private int _closed;

    /// <summary>
    /// A store on the database <paramref name="connectionString"/> names. <paramref name="time"/> only
    /// drives the expiry sweeper's timer: expiry itself is the database's clock.
    /// </summary>
    public PostgresStore(string connectionString, StoreOptions? options = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        // Auto-prepare: the store runs the same few statements all the time (users may override it).
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        _source = NpgsqlDataSource.Create(builder.ConnectionString);
        _options = options ?? new StoreOptions();
        _sweeper = new ExpirySweeper(SweepAsync, _options.SweepInterval, time ?? TimeProvider.System);
    }

    /// <inheritdoc />
    public string Name => "postgres";

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StoreRecord>> ReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckRead(key, options);
        var (table, _) = await TableAsync(options, cancellationToken).ConfigureAwait(false);
        await using var command = _source.CreateCommand();
        if (options is null or { Prefix: false, Suffix: false })
        {
            command.CommandText = $"SELECT key, value, metadata, expiry, version FROM {table} WHERE key = @key AND {Live}";
            command.Parameters.AddWithValue("key", NpgsqlDbType.Bytea, Encoding.UTF8.GetBytes(key));
        }
        else
        {
            var where = Where(command, options.Prefix ? key : null, options.Suffix ? key : null, options.StartAfter);
            command.CommandText = $"SELECT key, value, metadata, expiry, version FROM {table} WHERE {where} ORDER BY key{Page(options.Offset, options.Limit)}";
        }
        var records = new List<StoreRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(new StoreRecord
            {
                Key = Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(0)),
                Value = reader.GetFieldValue<byte[]>(1),
                Metadata = StoreMetadata.Decode(reader.GetString(2)),
                Expiry = reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                Version = reader.GetInt64(4),
            });
        }
        return records;
    }

    /// <inheritdoc />
    public async ValueTask<long> WriteAsync(StoreRecord record, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckValue(record, _options);
        var ttl = StoreInput.Ttl(options);
        var (table, sequence) = await TableAsync(options, cancellationToken).ConfigureAwait(false);
        await using var command = _source.CreateCommand();
        var key = Encoding.UTF8.GetBytes(record.Key);
        command.Parameters.AddWithValue("key", NpgsqlDbType.Bytea, key);
        command.Parameters.AddWithValue("value", NpgsqlDbType.Bytea, record.Value.ToArray());
        command.Parameters.AddWithValue("metadata", StoreMetadata.Encode(record.Metadata));
        // A TTL is counted from the database's now(); an absolute expiry is stored as given.
        command.Parameters.AddWithValue("expiry", NpgsqlDbType.Bigint, record.Expiry is { } e && ttl is null ? e.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("ttl", NpgsqlDbType.Bigint, ttl is { } t ? (long)Math.Ceiling(t.TotalMilliseconds) : DBNull.Value);
        var expiry = $"coalesce({Now} + @ttl, @expiry)";
        var next = $"nextval('{sequence}')";
        const string live = "(t.expiry IS NULL OR t.expiry > " + Now + ")";
        command.CommandText = options?.IfVersion switch
        {
            null => $"""
                INSERT INTO {table} AS t (key, value, metadata, expiry, version) VALUES (@key, @value, @metadata, {expiry}, {next})
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata, expiry = excluded.expiry, version = excluded.version
                RETURNING version
                """,
            0 => $"""
                INSERT INTO {table} AS t (key, value, metadata, expiry, version) VALUES (@key, @value, @metadata, {expiry}, {next})
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata, expiry = excluded.expiry, version = excluded.version
                WHERE NOT {live}
                RETURNING version
                """,
            _ => $"""
                UPDATE {table} AS t SET value = @value, metadata = @metadata, expiry = {expiry}, version = {next}
                WHERE t.key = @key AND {live} AND t.version = @expected
                RETURNING version
                """,
        };
        if (options?.IfVersion is { } expected) command.Parameters.AddWithValue("expected", expected);
        var version = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (version is long written) return written;
        throw new StoreConflictException(record.Key, options!.IfVersion!.Value, await LiveVersionAsync(table, key, cancellationToken).ConfigureAwait(false));
    }

    private async Task<long> LiveVersionAsync(string table, byte[] key, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"SELECT version FROM {table} WHERE key = @key AND {Live}");
        command.Parameters.AddWithValue("key", NpgsqlDbType.Bytea, key);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long v ? v : 0;
    }

    /// <inheritdoc />
    public async ValueTask DeleteAsync(string key, StoreScope? scope = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckKey(key);
        var (table, _) = await TableAsync(scope, cancellationToken).ConfigureAwait(false);
        await using var command = _source.CreateCommand($"DELETE FROM {table} WHERE key = @key");
        command.Parameters.AddWithValue("key", NpgsqlDbType.Bytea, Encoding.UTF8.GetBytes(key));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> ListAsync(ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckList(options);
        var (table, _) = await TableAsync(options, cancellationToken).ConfigureAwait(false);
        await using var command = _source.CreateCommand();
        var where = Where(command, options?.Prefix, options?.Suffix, options?.StartAfter);
        command.CommandText = $"SELECT key FROM {table} WHERE {where} ORDER BY key{Page(options?.Offset ?? 0, options?.Limit ?? 0)}";
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            keys.Add(Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(0)));
        return keys;
    }

    private static string Where(NpgsqlCommand command, string? prefix, string? suffix, string? startAfter)
    {
        var where = Live;
        if (!string.IsNullOrEmpty(prefix))
        {
            var low = Encoding.UTF8.GetBytes(prefix);
            where += " AND key >= @low";
            command.Parameters.AddWithValue("low", NpgsqlDbType.Bytea, low);
            if (StoreInput.PrefixUpperBound(low) is { } high)
            {
                where += " AND key < @high";
                command.Parameters.AddWithValue("high", NpgsqlDbType.Bytea, high);
            }
        }
        if (startAfter is not null)
        {
            where += " AND key > @after";
            command.Parameters.AddWithValue("after", NpgsqlDbType.Bytea, Encoding.UTF8.GetBytes(startAfter));
        }
        if (!string.IsNullOrEmpty(suffix))
        {
            var tail = Encoding.UTF8.GetBytes(suffix);
            where += " AND length(key) >= @tailLength AND substring(key from length(key) - @tailLength + 1) = @tail";
            command.Parameters.AddWithValue("tailLength", tail.Length);
            command.Parameters.AddWithValue("tail", NpgsqlDbType.Bytea, tail);
        }
        return where;
    }

    private static string Page(int offset, int limit) =>
        (limit > 0 ? $" LIMIT {limit}" : "") + (offset > 0 ? $" OFFSET {offset}" : "");

    /// <summary>The quoted table and version sequence names, creating them the first time this process uses them.</summary>
    private async ValueTask<(string Table, string Sequence)> TableAsync(StoreScope? scope, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
        var (database, table) = StoreInput.Scope(scope, _options);
        var name = $"\"{database}\".\"{table}\"";
        // Names are [A-Za-z0-9_-], so the sequence name is safe inside the quoted literal nextval() takes.
        var sequence = $"\"{database}\".\"{table}.version\"";
        var creation = _tables.GetOrAdd(name, _ => new Lazy<Task>(() => CreateAsync(database, table, name, sequence)));
        try
        {
            await creation.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (creation.Value.IsFaulted)
        {
            _tables.TryRemove(name, out _); // let the next call try again
            throw;
        }
        return (name, sequence);
    }

    private async Task CreateAsync(string database, string table, string name, string sequence)
    {
        // A table made before versions came from a sequence: the sequence starts above its highest version.
        var sql = $"""
            CREATE SCHEMA IF NOT EXISTS "{database}";
            CREATE TABLE IF NOT EXISTS {name} (key bytea PRIMARY KEY, value bytea NOT NULL, metadata text NOT NULL, expiry bigint, version bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS "{table}_expiry" ON {name} (expiry);
            CREATE SEQUENCE IF NOT EXISTS {sequence};
            SELECT setval('{sequence}', m) FROM (SELECT max(version) AS m FROM {name}) AS highest
              WHERE m IS NOT NULL AND m > (SELECT last_value FROM {sequence});
            """;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var command = _source.CreateCommand(sql);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                return;
            }
            // Two processes creating the same schema at once: one loses a race in the catalog; the second try sees it.
            // (the table's row type can collide as 42710 duplicate_object, not only as the table or schema).
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateSchema
                or PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.SerializationFailure)
            {
            }
        }
    }

    /// <summary>Deletes rows expired by the database's clock in every table this process has used (the sweeper calls it).</summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var name in _tables.Keys)
        {
            if (Volatile.Read(ref _closed) != 0) return;
            try
            {
                await using var command = _source.CreateCommand($"DELETE FROM {name} WHERE expiry IS NOT NULL AND expiry <= {Now}");
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // The next round tries again; reads never return expired rows anyway.
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
    }
}
