// Store writes and reads through Micro against the raw driver doing the same operation (upsert of a
// key/value, read by key) in the same run, for each backend. Needs the servers of scripts/servers.sh.
//   bench/run.sh store [--ops 3000]
// Ends with one line per backend: "store <backend>: write micro/raw R1, read micro/raw R2" (time ratios).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Micro.Postgres.Store;
using Micro.Redis.Store;
using Micro.Sqlite.Store;
using Micro.Store;
using Microsoft.Data.Sqlite;
using Npgsql;
using StackExchange.Redis;

var ops = args.Length > 1 && args[0] == "--ops" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3000;
var postgres = Environment.GetEnvironmentVariable("MICRO_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=54329;Username=micro;Database=micro_test";
var redisAddress = Environment.GetEnvironmentVariable("MICRO_TEST_REDIS") ?? "127.0.0.1:63790";
if (args.Contains("--paging")) return await PagingAsync();
var value = Encoding.UTF8.GetBytes(new string('v', 100));
var run = Guid.NewGuid().ToString("N")[..8];
var lines = new List<string>();
Console.WriteLine($"# store benchmark: {Environment.ProcessorCount} cores, {ops} sequential writes then {ops} reads per side (best of 3 after a 2,000-op warm-up), 100-byte values, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"{"backend",-9} {"side",-6} {"writes/s",10} {"reads/s",10}");

// memory: no driver to compare with; reported for scale.
{
    await using var store = new MemoryStore();
    var (w, r) = await Measure(i => store.WriteAsync(new StoreRecord { Key = "k" + i, Value = value }).AsTask(), i => store.ReadAsync("k" + i).AsTask());
    Report("memory", "micro", w, r);
}

// file (SQLite): same file settings (WAL, synchronous=NORMAL), one connection, prepared statements for raw.
{
    var folder = Directory.CreateTempSubdirectory("micro-bench-").FullName;
    await using (var store = new FileStore(new StoreOptions { Address = folder, Database = "micro" }))
    {
        await using var raw = new SqliteConnection($"Data Source={Path.Combine(folder, "raw.db")};Pooling=False");
        raw.Open();
        // The same row shape as Micro's (metadata, expiry, version), so both do the same work per write.
        Exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, metadata TEXT NOT NULL, expiry INTEGER, version INTEGER NOT NULL) WITHOUT ROWID;");
        using var write = raw.CreateCommand();
        write.CommandText = "INSERT INTO kv (key, value, metadata, expiry, version) VALUES (@k, @v, '{}', NULL, 1) ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = version + 1";
        var wk = write.Parameters.Add("@k", SqliteType.Blob); var wv = write.Parameters.Add("@v", SqliteType.Blob);
        using var read = raw.CreateCommand();
        read.CommandText = "SELECT value, metadata, expiry, version FROM kv WHERE key = @k";
        var rk = read.Parameters.Add("@k", SqliteType.Blob);
        await Compare("file", store,
            i => { wk.Value = Encoding.UTF8.GetBytes("k" + i); wv.Value = value; write.ExecuteNonQuery(); return Task.CompletedTask; },
            i => { rk.Value = Encoding.UTF8.GetBytes("k" + i); using var r = read.ExecuteReader(); r.Read(); _ = (byte[])r[0]; return Task.CompletedTask; });
    }
    Directory.Delete(folder, recursive: true);
}

// postgres: Npgsql upsert and select on a table of the same shape.
{
    await using var store = new PostgresStore(postgres, new StoreOptions { Database = "bench" + run });
    await using var source = NpgsqlDataSource.Create(postgres);
    await using (var create = source.CreateCommand($"CREATE TABLE raw_{run} (key bytea PRIMARY KEY, value bytea NOT NULL)")) await create.ExecuteNonQueryAsync();
    await Compare("postgres", store,
        async i =>
        {
            await using var c = source.CreateCommand($"INSERT INTO raw_{run} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
            c.Parameters.AddWithValue(Encoding.UTF8.GetBytes("k" + i)); c.Parameters.AddWithValue(value);
            await c.ExecuteNonQueryAsync();
        },
        async i =>
        {
            await using var c = source.CreateCommand($"SELECT value FROM raw_{run} WHERE key = $1");
            c.Parameters.AddWithValue(Encoding.UTF8.GetBytes("k" + i));
            await c.ExecuteScalarAsync();
        });
    await using (var drop = source.CreateCommand($"DROP TABLE raw_{run}; DROP SCHEMA \"bench{run}\" CASCADE")) await drop.ExecuteNonQueryAsync();
}

// redis: SET/GET of the raw key vs Micro's record (hash + index, one script).
{
    await using var redis = await ConnectionMultiplexer.ConnectAsync(redisAddress);
    await using var store = new RedisStore(redis, new StoreOptions { Database = "bench" + run });
    var db = redis.GetDatabase();
    await Compare("redis", store,
        i => db.StringSetAsync($"raw-bench:{run}:k{i}", value),
        i => db.StringGetAsync($"raw-bench:{run}:k{i}"));
    for (var i = 0; i < ops; i++) { _ = db.KeyDeleteAsync($"raw-bench:{run}:k{i}", CommandFlags.FireAndForget); await store.DeleteAsync("k" + i); }
}

foreach (var line in lines) Console.WriteLine(line);
return 0;

// bench/run.sh store --paging: full walks of 50,000 keys in pages of 500, by offset and by cursor (Paging.cs).
async Task<int> PagingAsync()
{
    const int Keys = 50_000, PageSize = 500;
    Console.WriteLine($"# store paging: {Keys} keys, pages of {PageSize}, one full walk each way after a warm-up walk, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    Console.WriteLine("| backend | listing | by Offset (ms) | by StartAfter (ms) |");
    Console.WriteLine("|---|---|---|---|");
    var folder = Directory.CreateTempSubdirectory("micro-bench-paging-").FullName;
    await using var redis = await ConnectionMultiplexer.ConnectAsync(redisAddress);
    var backends = new (string Name, Func<string, IStore> Create)[]
    {
        ("memory", db => new MemoryStore(new StoreOptions { Database = db })),
        ("file", db => new FileStore(new StoreOptions { Address = folder, Database = db })),
        ("postgres", db => new PostgresStore(postgres, new StoreOptions { Database = db })),
        ("redis", db => new RedisStore(redis, new StoreOptions { Database = db })),
    };
    foreach (var (name, create) in backends)
    {
        foreach (var (listing, filter) in new[] { ("all keys", new ListOptions()), ("suffix /even", new ListOptions { Suffix = "/even" }) })
        {
            var database = "paging" + Guid.NewGuid().ToString("N")[..8];
            await using (var store = create(database))
            {
                var (offset, cursor) = await Paging.MeasureAsync(store, Keys, PageSize, filter);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {listing} | {offset:F0} | {cursor:F0} |"));
            }
            if (name == "postgres")
            {
                await using var source = NpgsqlDataSource.Create(postgres);
                await using var drop = source.CreateCommand($"DROP SCHEMA IF EXISTS \"{database}\" CASCADE");
                await drop.ExecuteNonQueryAsync();
            }
            if (name == "redis")
            {
                var server = redis.GetServers()[0];
                foreach (var key in server.Keys(pattern: $"micro:{{{database}/*", pageSize: 1000)) await redis.GetDatabase().KeyDeleteAsync(key);
            }
        }
    }
    Directory.Delete(folder, recursive: true);
    return 0;
}

async Task Compare(string backend, IStore store, Func<int, Task> rawWrite, Func<int, Task> rawRead)
{
    // Warm both sides past the JIT's tiering (a few thousand calls), then alternate raw and micro
    // three times; keep the best of each.
    await Measure(rawWrite, rawRead, 2000);
    await Measure(i => store.WriteAsync(new StoreRecord { Key = "k" + i, Value = value }).AsTask(), i => store.ReadAsync("k" + i).AsTask(), 2000);
    double rw = 0, rr = 0, mw = 0, mr = 0;
    for (var round = 0; round < 3; round++)
    {
        var (w1, r1) = await Measure(rawWrite, rawRead);
        var (w2, r2) = await Measure(i => store.WriteAsync(new StoreRecord { Key = "k" + i, Value = value }).AsTask(), i => store.ReadAsync("k" + i).AsTask());
        rw = Math.Max(rw, w1); rr = Math.Max(rr, r1); mw = Math.Max(mw, w2); mr = Math.Max(mr, r2);
    }
    Report(backend, "raw", rw, rr);
    Report(backend, "micro", mw, mr);
    // Time ratios: micro time per op / raw time per op = raw ops/s / micro ops/s.
    lines.Add(string.Create(CultureInfo.InvariantCulture, $"store {backend}: write micro/raw {rw / mw:F2}, read micro/raw {rr / mr:F2}"));
}

async Task<(double Writes, double Reads)> Measure(Func<int, Task> write, Func<int, Task> read, int? count = null)
{
    var n = count ?? ops;
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < n; i++) await write(i);
    var writes = n / sw.Elapsed.TotalSeconds;
    sw.Restart();
    for (var i = 0; i < n; i++) await read(i);
    return (writes, n / sw.Elapsed.TotalSeconds);
}

void Report(string backend, string side, double writes, double reads) =>
    Console.WriteLine($"{backend,-9} {side,-6} {writes,10:F0} {reads,10:F0}");

static void Exec(SqliteConnection connection, string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    command.ExecuteNonQuery();
}
