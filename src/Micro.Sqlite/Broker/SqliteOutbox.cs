using System.Threading.Channels;
using Micro.Broker.Http;
using Microsoft.Data.Sqlite;

namespace Micro.Sqlite.Broker;

/// <summary>
/// The HTTP broker's durable outbox (<c>MICRO_BROKER_OUTBOX=file</c>, the default, once <c>AddSqlitePlugins()</c> made it selectable): a SQLite file (WAL, synchronous=NORMAL: a commit survives the process being killed; a power
/// cut may lose the last ones). One writer task owns the connection and commits whatever is waiting in one
/// transaction (group commit), so many concurrent publishers share each commit. A lock file gives each process its
/// own outbox: a second replica in the same folder takes the next file, a restarted one finds what it left.
/// </summary>
internal sealed class SqliteOutbox : IOutbox
{
    private readonly SqliteConnection _connection;
    private readonly FileStream _lock;
    private readonly Channel<Operation> _operations = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private long _seq;

    private SqliteOutbox(string path, FileStream fileLock)
    {
        Path = path;
        _lock = fileLock;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        using (var setup = _connection.CreateCommand())
        {
            setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;" +
                "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, grp TEXT NOT NULL, msg BLOB NOT NULL, created INTEGER NOT NULL, attempt INTEGER NOT NULL DEFAULT 1);";
            setup.ExecuteNonQuery();
            // A file written before attempts were kept gains the column (its rows start again at 1).
            setup.CommandText = "SELECT COUNT(*) FROM pragma_table_info('outbox') WHERE name = 'attempt'";
            if ((long)setup.ExecuteScalar()! == 0)
            {
                setup.CommandText = "ALTER TABLE outbox ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1";
                setup.ExecuteNonQuery();
            }
            setup.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM outbox";
            _seq = (long)setup.ExecuteScalar()!;
        }
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The file in use.</summary>
    public string Path { get; }

    public string Kind => "file";

    /// <summary>Opens <c>{folder}/{name}-N.db</c> for the first N no live process holds.</summary>
    public static SqliteOutbox Open(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        for (var i = 0; i < 64; i++)
        {
            var path = System.IO.Path.Combine(folder, $"{name}-{i}.db");
            try
            {
                var fileLock = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new SqliteOutbox(path, fileLock);
            }
            catch (IOException)
            {
                // Held by another live process: try the next file.
            }
        }
        throw new IOException($"every outbox file in {folder} is in use by another process");
    }

    public long NextSeq() => Interlocked.Increment(ref _seq);

    public ValueTask AddAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_operations.Writer.TryWrite(new Operation(entries, 0, done))) throw new ObjectDisposedException(nameof(SqliteOutbox));
        return new ValueTask(done.Task.WaitAsync(cancellationToken));
    }

    public void Remove(long seq) => _operations.Writer.TryWrite(new Operation(null, seq, null));

    public void UpdateAttempt(long seq, int attempt) => _operations.Writer.TryWrite(new Operation(null, seq, null, attempt));

    public ValueTask<IReadOnlyList<OutboxEntry>> LoadAsync(int maxBody, CancellationToken cancellationToken)
    {
        // Runs before the writer has anything to do; the connection is not used concurrently.
        var entries = new List<OutboxEntry>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT seq, grp, msg, created, attempt FROM outbox ORDER BY seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var encoded = reader.GetFieldValue<byte[]>(2);
            entries.Add(new OutboxEntry(reader.GetInt64(0), reader.GetString(1), WireFormat.DecodeMessage(encoded, int.MaxValue), encoded, reader.GetInt64(3))
            {
                Attempt = (int)Math.Clamp(reader.GetInt64(4), 1, int.MaxValue),
            });
        }
        return ValueTask.FromResult<IReadOnlyList<OutboxEntry>>(entries);
    }

    private async Task WriteLoopAsync()
    {
        using var insert = _connection.CreateCommand();
        insert.CommandText = "INSERT OR REPLACE INTO outbox (seq, grp, msg, created, attempt) VALUES (@seq, @grp, @msg, @created, @attempt)";
        var (seq, grp, msg, created, attempt) = (insert.Parameters.Add("@seq", SqliteType.Integer), insert.Parameters.Add("@grp", SqliteType.Text),
            insert.Parameters.Add("@msg", SqliteType.Blob), insert.Parameters.Add("@created", SqliteType.Integer), insert.Parameters.Add("@attempt", SqliteType.Integer));
        using var delete = _connection.CreateCommand();
        delete.CommandText = "DELETE FROM outbox WHERE seq = @seq";
        var deleteSeq = delete.Parameters.Add("@seq", SqliteType.Integer);
        using var update = _connection.CreateCommand();
        update.CommandText = "UPDATE outbox SET attempt = @attempt WHERE seq = @seq";
        var (updateSeq, updateAttempt) = (update.Parameters.Add("@seq", SqliteType.Integer), update.Parameters.Add("@attempt", SqliteType.Integer));
        var completions = new List<TaskCompletionSource>();
        var reader = _operations.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            completions.Clear();
            try
            {
                using var transaction = _connection.BeginTransaction();
                insert.Transaction = transaction;
                delete.Transaction = transaction;
                update.Transaction = transaction;
                var count = 0;
                while (count < 20_000 && reader.TryRead(out var operation))
                {
                    if (operation.Entries is { } entries)
                    {
                        foreach (var entry in entries)
                        {
                            seq.Value = entry.Seq;
                            grp.Value = entry.Group;
                            msg.Value = entry.Encoded;
                            created.Value = entry.CreatedMs;
                            attempt.Value = entry.Attempt;
                            insert.ExecuteNonQuery();
                            count++;
                        }
                        completions.Add(operation.Done!);
                    }
                    else if (operation.Attempt > 0)
                    {
                        updateSeq.Value = operation.Seq;
                        updateAttempt.Value = operation.Attempt;
                        update.ExecuteNonQuery();
                        count++;
                    }
                    else
                    {
                        deleteSeq.Value = operation.Seq;
                        delete.ExecuteNonQuery();
                        count++;
                    }
                }
                transaction.Commit();
                foreach (var done in completions) done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var done in completions) done.TrySetException(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _operations.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _connection.Dispose();
        await _lock.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Rows to add (and who waits for the commit), one row's new attempt count, or one row to remove.</summary>
    private readonly record struct Operation(IReadOnlyList<OutboxEntry>? Entries, long Seq, TaskCompletionSource? Done, int Attempt = 0);
}
