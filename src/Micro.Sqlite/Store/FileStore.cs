using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

using Micro.Store;

namespace Micro.Sqlite.Store;

/// <summary>
/// The embedded durable store: one SQLite file per database (<c>{folder}/{database}.db</c>), one SQL
/// table per table. WAL journal: a write is on disk (in the log) when WriteAsync returns, so it
/// survives the process being killed. Operations on one database are serialised in-process; a
/// database locked by another process is waited for asynchronously (no thread is blocked).
/// </summary>
public sealed class FileStore : IStore
{
    private readonly StoreOptions _options;
    private readonly TimeProvider _time;
    private readonly string _folder;
    private readonly Dictionary<string, Database> _databases = [];
    private readonly object _gate = new();
    private readonly ExpirySweeper _sweeper;
    private bool _closed;

    /// <summary>A store in the folder <see cref="StoreOptions.Address"/> (a per-user folder when null), keeping time on <paramref name="time"/>.</summary>
    public FileStore(StoreOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new StoreOptions();
        _time = time ?? TimeProvider.System;
        _folder = _options.Address ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "micro", "store");
        Directory.CreateDirectory(_folder);
        _sweeper = new ExpirySweeper(SweepAsync, _options.SweepInterval, _time);
    }

    /// <inheritdoc />
    public string Name => "file";

    /// <summary>The folder holding the database files.</summary>
    public string Folder => _folder;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StoreRecord>> ReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckRead(key, options);
        var (db, table) = Open(options);
        if (options is null or { Prefix: false, Suffix: false })
        {
            // The hot path: one key, a prepared statement, the key not decoded back from the row.
            var (keyBytes, now) = (Encoding.UTF8.GetBytes(key), Now());
            return await db.ReadAsync(table, _ =>
            {
                var command = db.Prepared(Sql.For(table).Read, "@key", "@now");
                command.Parameters[0].Value = keyBytes;
                command.Parameters[1].Value = now;
                using var reader = command.ExecuteReader();
                return reader.Read() ? (IReadOnlyList<StoreRecord>)[ToRecord(reader, key)] : [];
            }, cancellationToken).ConfigureAwait(false) ?? [];
        }
        return await db.ReadAsync(table, connection =>
        {
            using var command = connection.CreateCommand();
            var where = Where(command, options.Prefix ? key : null, options.Suffix ? key : null, options.StartAfter);
            command.CommandText = $"SELECT key, value, metadata, expiry, version FROM \"{table}\" WHERE {where} ORDER BY key {Page(command, options.Offset, options.Limit)}";
            var records = new List<StoreRecord>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) records.Add(ToRecord(reader, null));
            return (IReadOnlyList<StoreRecord>)records;
        }, cancellationToken).ConfigureAwait(false) ?? [];
    }

    private static StoreRecord ToRecord(SqliteDataReader reader, string? key) => new()
    {
        Key = key ?? Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(0)),
        Value = reader.GetFieldValue<byte[]>(1),
        Metadata = StoreMetadata.Decode(reader.GetString(2)),
        Expiry = reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
        Version = reader.GetInt64(4),
    };

    /// <inheritdoc />
    public async ValueTask<long> WriteAsync(StoreRecord record, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckValue(record, _options);
        var expiry = StoreInput.Expiry(record, options, _time);
        var (db, table) = Open(options);
        var key = Encoding.UTF8.GetBytes(record.Key);
        var metadata = StoreMetadata.Encode(record.Metadata);
        var value = record.Value.ToArray();
        return await db.WriteAsync(table, connection =>
        {
            if (options?.IfVersion is { } expected)
            {
                // Inside the write transaction: the version check and the write are one step.
                var read = db.Prepared(Sql.For(table).Version, "@key", "@now");
                read.Parameters[0].Value = key;
                read.Parameters[1].Value = Now();
                var live = read.ExecuteScalar() is long v ? v : 0;
                if (expected != live) throw new StoreConflictException(record.Key, expected, live);
            }
            var version = db.NextVersion(table);
            var upsert = db.Prepared(Sql.For(table).Upsert, "@key", "@value", "@metadata", "@expiry", "@version");
            upsert.Parameters[0].Value = key;
            upsert.Parameters[1].Value = value;
            upsert.Parameters[2].Value = metadata;
            upsert.Parameters[3].Value = expiry is { } e ? e.ToUnixTimeMilliseconds() : DBNull.Value;
            upsert.Parameters[4].Value = version;
            upsert.ExecuteNonQuery();
            return version;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DeleteAsync(string key, StoreScope? scope = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckKey(key);
        var (db, table) = Open(scope);
        var keyBytes = Encoding.UTF8.GetBytes(key);
        await db.WriteAsync(table, connection =>
        {
            // The table's revision is not touched: it already exceeds the deleted version, so the key's next write gets a higher one.
            using var command = connection.CreateCommand();
            command.CommandText = $"DELETE FROM \"{table}\" WHERE key = @key";
            command.Parameters.AddWithValue("@key", keyBytes);
            return command.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> ListAsync(ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckList(options);
        var (db, table) = Open(options);
        return await db.ReadAsync(table, connection =>
        {
            using var command = connection.CreateCommand();
            var where = Where(command, options?.Prefix, options?.Suffix, options?.StartAfter);
            command.CommandText = $"SELECT key FROM \"{table}\" WHERE {where} ORDER BY key {Page(command, options?.Offset ?? 0, options?.Limit ?? 0)}";
            var keys = new List<string>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) keys.Add(Encoding.UTF8.GetString((byte[])reader[0]));
            return (IReadOnlyList<string>)keys;
        }, cancellationToken).ConfigureAwait(false) ?? [];
    }

    /// <summary>Deletes the expired rows of every open database (the sweeper calls it).</summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        List<Database> open;
        lock (_gate) open = [.. _databases.Values];
        foreach (var db in open) await db.SweepAsync(Now(), cancellationToken).ConfigureAwait(false);
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The hot statements of one table, built once (not on every call).</summary>
    private sealed record Sql(string Read, string Version, string Upsert)
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Sql> Tables = new(StringComparer.Ordinal);

        public static Sql For(string table) => Tables.GetOrAdd(table, static t => new Sql(
            $"SELECT key, value, metadata, expiry, version FROM \"{t}\" WHERE key = @key AND (expiry IS NULL OR expiry > @now)",
            $"SELECT version FROM \"{t}\" WHERE key = @key AND (expiry IS NULL OR expiry > @now)",
            $"""
            INSERT INTO "{t}" (key, value, metadata, expiry, version) VALUES (@key, @value, @metadata, @expiry, @version)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata, expiry = excluded.expiry, version = excluded.version
            """));
    }

    /// <summary>Live records; the prefix and cursor as a key range (uses the primary key), the suffix as a byte comparison.</summary>
    private string Where(SqliteCommand command, string? prefix, string? suffix, string? startAfter)
    {
        var where = "(expiry IS NULL OR expiry > @now)";
        command.Parameters.AddWithValue("@now", Now());
        if (!string.IsNullOrEmpty(prefix))
        {
            var low = Encoding.UTF8.GetBytes(prefix);
            where += " AND key >= @low";
            command.Parameters.AddWithValue("@low", low);
            if (StoreInput.PrefixUpperBound(low) is { } high)
            {
                where += " AND key < @high";
                command.Parameters.AddWithValue("@high", high);
            }
        }
        if (startAfter is not null)
        {
            where += " AND key > @after";
            command.Parameters.AddWithValue("@after", Encoding.UTF8.GetBytes(startAfter));
        }
        if (!string.IsNullOrEmpty(suffix))
        {
            var tail = Encoding.UTF8.GetBytes(suffix);
            where += " AND length(key) >= @tailLength AND substr(key, -@tailLength) = @tail";
            command.Parameters.AddWithValue("@tailLength", tail.Length);
            command.Parameters.AddWithValue("@tail", tail);
        }
        return where;
    }

    private static string Page(SqliteCommand command, int offset, int limit)
    {
        command.Parameters.AddWithValue("@limit", limit > 0 ? limit : -1);
        command.Parameters.AddWithValue("@offset", offset);
        return "LIMIT @limit OFFSET @offset";
    }

    private (Database, string Table) Open(StoreScope? scope)
    {
        var (database, table) = StoreInput.Scope(scope, _options);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (!_databases.TryGetValue(database, out var db))
                _databases[database] = db = new Database(Path.Combine(_folder, database + ".db"));
            return (db, table);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<Database> open;
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            open = [.. _databases.Values];
            _databases.Clear();
        }
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        foreach (var db in open) await db.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// One SQLite file and its single connection; operations take turns. Writes take SQLite's write
    /// lock with a non-blocking <c>BEGIN IMMEDIATE</c>: when another process holds it, the caller
    /// waits asynchronously and tries again (SQLite's own busy handler and Microsoft.Data.Sqlite's
    /// retry both sleep on the calling thread, so neither is used).
    /// </summary>
    private sealed class Database(string path) : IAsyncDisposable
    {
        /// <summary>The per-table revision counters live in a table no user table can be named (a dot is not allowed in names).</summary>
        private const string Revisions = "\"micro.revisions\"";

        /// <summary>How long a write waits for another process's write lock before failing.</summary>
        private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

        private readonly SemaphoreSlim _turn = new(1, 1);
        private readonly HashSet<string> _tables = [];
        private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
        private SqliteConnection? _connection;

        /// <summary>
        /// The cached command for <paramref name="sql"/> with its parameters in the given order (the caller
        /// holds the turn, sets their values and must not dispose it): SQLite compiles the statement once per
        /// connection instead of on every call.
        /// </summary>
        public SqliteCommand Prepared(string sql, params string[] parameters)
        {
            if (_prepared.TryGetValue(sql, out var command)) return command;
            if (_prepared.Count > 256) { foreach (var old in _prepared.Values) old.Dispose(); _prepared.Clear(); }
            command = _connection!.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
            _prepared[sql] = command;
            return command;
        }

        /// <summary>The next version of <paramref name="table"/>: its revision, incremented (the caller is inside a write).</summary>
        public long NextVersion(string table)
        {
            var bump = Prepared($"UPDATE {Revisions} SET revision = revision + 1 WHERE name = @name RETURNING revision", "@name");
            bump.Parameters[0].Value = table;
            return (long)bump.ExecuteScalar()!;
        }

        /// <summary>Runs a read when it is this caller's turn (without contention, synchronously); default when the table does not exist.</summary>
        public ValueTask<T?> ReadAsync<T>(string table, Func<SqliteConnection, T> work, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_turn.Wait(0)) return ReadAfterWaitAsync(table, work, cancellationToken);
            return new ValueTask<T?>(ReadHoldingTurn(table, work));
        }

        private async ValueTask<T?> ReadAfterWaitAsync<T>(string table, Func<SqliteConnection, T> work, CancellationToken cancellationToken)
        {
            await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            return ReadHoldingTurn(table, work);
        }

        private T? ReadHoldingTurn<T>(string table, Func<SqliteConnection, T> work)
        {
            try
            {
                var connection = Connection();
                if (!_tables.Contains(table))
                {
                    if (!Exists(connection, table)) return default;
                    _tables.Add(table);
                }
                return work(connection);
            }
            finally
            {
                _turn.Release();
            }
        }

        /// <summary>Runs a write in a transaction that holds SQLite's write lock; without contention, synchronously.</summary>
        public ValueTask<T> WriteAsync<T>(string table, Func<SqliteConnection, T> work, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_turn.Wait(0) && TryWriteHoldingTurn(table, work, out var result)) return new ValueTask<T>(result);
            return WriteAfterWaitAsync(table, work, cancellationToken);
        }

        private async ValueTask<T> WriteAfterWaitAsync<T>(string table, Func<SqliteConnection, T> work, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + BusyTimeout;
            var pause = TimeSpan.FromMilliseconds(1);
            for (var first = true; ; first = false)
            {
                // The first pass after the synchronous attempt only waits for our own turn.
                if (!first)
                {
                    if (DateTime.UtcNow > deadline)
                        throw new Micro.MicroException("micro.store.busy", 503, $"{Path.GetFileName(path)} stayed locked by another process for {BusyTimeout.TotalSeconds:F0} s");
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                    pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
                }
                await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (TryWriteHoldingTurn(table, work, out var result)) return result;
            }
        }

        /// <summary>False (nothing done, turn released) when another process holds the write lock.</summary>
        private bool TryWriteHoldingTurn<T>(string table, Func<SqliteConnection, T> work, out T result)
        {
            result = default!;
            try
            {
                var connection = Connection();
                var rc = raw.sqlite3_exec(connection.Handle, "BEGIN IMMEDIATE");
                if (rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED) return false;
                SqliteException.ThrowExceptionForRC(rc, connection.Handle);
                try
                {
                    if (!_tables.Contains(table))
                    {
                        Create(connection, table);
                        _tables.Add(table);
                    }
                    result = work(connection);
                    Exec(connection, "COMMIT");
                    return true;
                }
                catch
                {
                    raw.sqlite3_exec(connection.Handle, "ROLLBACK");
                    throw;
                }
            }
            finally
            {
                _turn.Release();
            }
        }

        /// <summary>Deletes expired rows of every table this process opened; a locked database is left for the next round.</summary>
        public async Task SweepAsync(long now, CancellationToken cancellationToken)
        {
            await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_connection is not { } connection || _tables.Count == 0) return;
                if (raw.sqlite3_exec(connection.Handle, "BEGIN IMMEDIATE") != raw.SQLITE_OK) return;
                try
                {
                    foreach (var table in _tables)
                    {
                        using var command = connection.CreateCommand();
                        command.CommandText = $"DELETE FROM \"{table}\" WHERE expiry IS NOT NULL AND expiry <= @now";
                        command.Parameters.AddWithValue("@now", now);
                        command.ExecuteNonQuery();
                    }
                    Exec(connection, "COMMIT");
                }
                catch
                {
                    raw.sqlite3_exec(connection.Handle, "ROLLBACK");
                    throw;
                }
            }
            finally
            {
                _turn.Release();
            }
        }

        private SqliteConnection Connection()
        {
            if (_connection is not null) return _connection;
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            // WAL + NORMAL: a committed transaction is in the log file before commit returns, which is what
            // survives a killed process (a power cut may lose the last commits; set synchronous=FULL for that).
            // busy_timeout=0: a locked database is reported at once and waited for asynchronously (WriteAsync).
            Exec(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=0;");
            return _connection = connection;
        }

        private static void Exec(SqliteConnection connection, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        private static bool Exists(SqliteConnection connection, string table)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = @name";
            command.Parameters.AddWithValue("@name", table);
            return command.ExecuteScalar() is not null;
        }

        /// <summary>The table and its revision row; a table written before revisions existed starts at its highest version.</summary>
        private static void Create(SqliteConnection connection, string table)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                CREATE TABLE IF NOT EXISTS "{table}" (key BLOB PRIMARY KEY, value BLOB NOT NULL, metadata TEXT NOT NULL, expiry INTEGER, version INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS {Revisions} (name TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
                INSERT OR IGNORE INTO {Revisions} (name, revision) SELECT @name, coalesce(max(version), 0) FROM "{table}";
                """;
            command.Parameters.AddWithValue("@name", table);
            command.ExecuteNonQuery();
        }

        public async ValueTask DisposeAsync()
        {
            await _turn.WaitAsync().ConfigureAwait(false);
            foreach (var command in _prepared.Values) command.Dispose();
            _prepared.Clear();
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }
}
