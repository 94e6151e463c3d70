using System.Text;
using Microsoft.Data.Sqlite;

namespace Micro.Store;

/// <summary>
/// The embedded durable store: one SQLite file per database (<c>{folder}/{database}.db</c>), one SQL
/// table per table. WAL journal: a write is on disk (in the log) when WriteAsync returns, so it
/// survives the process being killed. Operations on one database are serialised in-process.
/// </summary>
public sealed class FileStore : IStore
{
    private readonly StoreOptions _options;
    private readonly TimeProvider _time;
    private readonly string _folder;
    private readonly Dictionary<string, Database> _databases = [];
    private readonly object _gate = new();
    private bool _closed;

    public FileStore(StoreOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new StoreOptions();
        _time = time ?? TimeProvider.System;
        _folder = _options.Address ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "micro", "store");
        Directory.CreateDirectory(_folder);
    }

    public string Name => "file";

    public string Folder => _folder;

    public async ValueTask<IReadOnlyList<StoreRecord>> ReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckReadKey(key, options);
        var (db, table) = Open(options);
        if (options is null or { Prefix: false, Suffix: false })
        {
            // The hot path: one key, a prepared statement, the key not decoded back from the row.
            var (keyBytes, now) = (Encoding.UTF8.GetBytes(key), Now());
            return await db.RunAsync(table, create: false, _ =>
            {
                var command = db.Prepared(Sql.For(table).Read, "@key", "@now");
                command.Parameters[0].Value = keyBytes;
                command.Parameters[1].Value = now;
                using var reader = command.ExecuteReader();
                return reader.Read() ? (IReadOnlyList<StoreRecord>)[ToRecord(reader, key)] : [];
            }, cancellationToken).ConfigureAwait(false) ?? [];
        }
        return await db.RunAsync(table, create: false, connection =>
        {
            using var command = connection.CreateCommand();
            var where = Where(command, options.Prefix ? key : null, options.Suffix ? key : null);
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

    public async ValueTask<long> WriteAsync(StoreRecord record, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckValue(record, _options);
        var expiry = StoreInput.Expiry(record, options, _time);
        var (db, table) = Open(options);
        var key = Encoding.UTF8.GetBytes(record.Key);
        var metadata = StoreMetadata.Encode(record.Metadata);
        return await db.RunAsync(table, create: true, connection =>
        {
            if (options?.IfVersion is not { } expected)
            {
                // Last write wins: one statement, one commit.
                var upsert = db.Prepared(Sql.For(table).Upsert, "@key", "@value", "@metadata", "@expiry");
                upsert.Parameters[0].Value = key;
                upsert.Parameters[1].Value = record.Value.ToArray();
                upsert.Parameters[2].Value = metadata;
                upsert.Parameters[3].Value = expiry is { } e ? e.ToUnixTimeMilliseconds() : DBNull.Value;
                return (long)upsert.ExecuteScalar()!;
            }
            // IMMEDIATE takes the write lock up front, so the version check and the write are one step.
            using var transaction = connection.BeginTransaction(deferred: false);
            using var read = connection.CreateCommand();
            read.CommandText = $"SELECT version, expiry FROM \"{table}\" WHERE key = @key";
            read.Parameters.AddWithValue("@key", key);
            long stored = 0, live = 0;
            using (var reader = read.ExecuteReader())
            {
                if (reader.Read())
                {
                    stored = reader.GetInt64(0);
                    live = reader.IsDBNull(1) || reader.GetInt64(1) > Now() ? stored : 0;
                }
            }
            if (expected != live) throw new StoreConflictException(record.Key, expected, live);
            using var write = connection.CreateCommand();
            write.CommandText = $"INSERT OR REPLACE INTO \"{table}\" (key, value, metadata, expiry, version) VALUES (@key, @value, @metadata, @expiry, @version)";
            AddRow(write, key, record, metadata, expiry);
            write.Parameters.AddWithValue("@version", stored + 1);
            write.ExecuteNonQuery();
            transaction.Commit();
            return stored + 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void AddRow(SqliteCommand command, byte[] key, StoreRecord record, string metadata, DateTimeOffset? expiry)
    {
        command.Parameters.AddWithValue("@key", key);
        command.Parameters.Add("@value", SqliteType.Blob).Value = record.Value.ToArray();
        command.Parameters.AddWithValue("@metadata", metadata);
        command.Parameters.AddWithValue("@expiry", expiry is { } e ? e.ToUnixTimeMilliseconds() : DBNull.Value);
    }

    public async ValueTask DeleteAsync(string key, StoreScope? scope = null, CancellationToken cancellationToken = default)
    {
        StoreInput.CheckKey(key);
        var (db, table) = Open(scope);
        await db.RunAsync(table, create: false, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"DELETE FROM \"{table}\" WHERE key = @key";
            command.Parameters.AddWithValue("@key", Encoding.UTF8.GetBytes(key));
            return command.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<string>> ListAsync(ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (db, table) = Open(options);
        return await db.RunAsync(table, create: false, connection =>
        {
            using var command = connection.CreateCommand();
            var where = Where(command, options?.Prefix, options?.Suffix);
            command.CommandText = $"SELECT key FROM \"{table}\" WHERE {where} ORDER BY key {Page(command, options?.Offset ?? 0, options?.Limit ?? 0)}";
            var keys = new List<string>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) keys.Add(Encoding.UTF8.GetString((byte[])reader[0]));
            return (IReadOnlyList<string>)keys;
        }, cancellationToken).ConfigureAwait(false) ?? [];
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The hot statements of one table, built once (not on every call).</summary>
    private sealed record Sql(string Read, string Upsert)
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Sql> Tables = new(StringComparer.Ordinal);

        public static Sql For(string table) => Tables.GetOrAdd(table, static t => new Sql(
            $"SELECT key, value, metadata, expiry, version FROM \"{t}\" WHERE key = @key AND (expiry IS NULL OR expiry > @now)",
            $"""
            INSERT INTO "{t}" (key, value, metadata, expiry, version) VALUES (@key, @value, @metadata, @expiry, 1)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata, expiry = excluded.expiry, version = version + 1
            RETURNING version
            """));
    }

    /// <summary>Live records, and the prefix as a key range (uses the primary key) and suffix as a byte comparison.</summary>
    private string Where(SqliteCommand command, string? prefix, string? suffix)
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
        command.Parameters.AddWithValue("@offset", Math.Max(offset, 0));
        return "LIMIT @limit OFFSET @offset";
    }

    private (Database, string Table) Open(StoreScope? scope)
    {
        var (database, table) = StoreInput.Scope(scope, _options);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (!_databases.TryGetValue(database, out var db))
                _databases[database] = db = new Database(Path.Combine(_folder, database + ".db"), Now);
            return (db, table);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Database> open;
        lock (_gate)
        {
            _closed = true;
            open = [.. _databases.Values];
            _databases.Clear();
        }
        foreach (var db in open) await db.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>One SQLite file and its single connection; operations take turns.</summary>
    private sealed class Database(string path, Func<long> now) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _turn = new(1, 1);
        private readonly HashSet<string> _tables = [];
        private SqliteConnection? _connection;
        private int _writes;

        private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
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

        /// <summary>Runs <paramref name="work"/> when it is this caller's turn; without contention, synchronously.</summary>
        public ValueTask<T?> RunAsync<T>(string table, bool create, Func<SqliteConnection, T> work, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_turn.Wait(0)) return RunAfterWaitAsync(table, create, work, cancellationToken);
            return new ValueTask<T?>(RunHoldingTurn(table, create, work));
        }

        private async ValueTask<T?> RunAfterWaitAsync<T>(string table, bool create, Func<SqliteConnection, T> work, CancellationToken cancellationToken)
        {
            await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            return RunHoldingTurn(table, create, work);
        }

        private T? RunHoldingTurn<T>(string table, bool create, Func<SqliteConnection, T> work)
        {
            try
            {
                var connection = _connection ??= OpenConnection();
                if (!_tables.Contains(table))
                {
                    if (!create && !Exists(connection, table)) return default;
                    Create(connection, table);
                    _tables.Add(table);
                }
                if (create && ++_writes % 4096 == 0) Sweep(connection, table);
                return work(connection);
            }
            finally
            {
                _turn.Release();
            }
        }

        private SqliteConnection OpenConnection()
        {
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            using var pragma = connection.CreateCommand();
            // WAL + NORMAL: a committed transaction is in the log file before commit returns, which is what
            // survives a killed process (a power cut may lose the last commits; set synchronous=FULL for that).
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";
            pragma.ExecuteNonQuery();
            return connection;
        }

        private static bool Exists(SqliteConnection connection, string table)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = @name";
            command.Parameters.AddWithValue("@name", table);
            return command.ExecuteScalar() is not null;
        }

        private static void Create(SqliteConnection connection, string table)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                CREATE TABLE IF NOT EXISTS "{table}" (key BLOB PRIMARY KEY, value BLOB NOT NULL, metadata TEXT NOT NULL, expiry INTEGER, version INTEGER NOT NULL) WITHOUT ROWID;
                """;
            command.ExecuteNonQuery();
        }

        /// <summary>
        /// Expired rows are never read; this reclaims their space every few thousand writes. It scans the
        /// table: an expiry index would cost every write more than the occasional scan costs.
        /// </summary>
        private void Sweep(SqliteConnection connection, string table)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"DELETE FROM \"{table}\" WHERE expiry IS NOT NULL AND expiry <= @now";
            command.Parameters.AddWithValue("@now", now());
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
