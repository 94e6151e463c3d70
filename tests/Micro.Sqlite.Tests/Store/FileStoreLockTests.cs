using Micro.Errors;
using Micro.Sqlite.Store;
using Micro.Store;
using Microsoft.Data.Sqlite;

namespace Micro.Sqlite.Tests.Store;

/// <summary>Another process holding the database's write lock: writers wait without blocking a thread.</summary>
public sealed class FileStoreLockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-lock-").FullName;

    private static StoreRecord Record(string key) => new() { Key = key, Value = "v"u8.ToArray() };

    /// <summary>A second connection (as another process would have) that holds SQLite's write lock until disposed.</summary>
    private SqliteConnection HoldWriteLock()
    {
        var other = new SqliteConnection($"Data Source={Path.Combine(_folder, "locked.db")};Pooling=False");
        other.Open();
        using var begin = other.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        begin.ExecuteNonQuery();
        return other;
    }

    [Fact]
    public async Task A_write_to_a_locked_database_returns_at_once_and_completes_when_the_lock_is_released()
    {
        await using var store = new FileStore(new StoreOptions { Address = _folder, Database = "locked" });
        await store.WriteAsync(Record("before"));
        var other = HoldWriteLock();

        // The caller gets a pending task back instead of its thread sleeping in SQLite's busy handler.
        var writes = Enumerable.Range(0, 4).Select(i => store.WriteAsync(Record($"k{i}")).AsTask()).ToList();
        Assert.All(writes, w => Assert.False(w.IsCompleted));
        // Reads (WAL) still run while the write lock is held elsewhere.
        Assert.Single(await store.ReadAsync("before"));

        other.Dispose(); // rolls back and releases the lock
        var versions = await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4, versions.Distinct().Count());
        Assert.Equal(["before", "k0", "k1", "k2", "k3"], await store.ListAsync());
    }

    [Fact]
    public async Task A_lock_held_longer_than_the_busy_timeout_fails_the_write_with_a_clear_error()
    {
        await using var store = new FileStore(new StoreOptions { Address = _folder, Database = "locked" });
        await store.WriteAsync(Record("before"));
        using var other = HoldWriteLock();
        var busy = await Assert.ThrowsAsync<MicroException>(async () => await store.WriteAsync(Record("k")));
        Assert.Equal(("micro.store.busy", 503), (busy.Id, busy.Code));
        other.Dispose();
        Assert.Empty(await store.ReadAsync("k"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
