// Sync benchmark. For each backend: uncontended LockAsync+UnlockAsync latency next to the backend's raw
// round trip measured in the same run (Redis PING, etcd GET, PostgreSQL SELECT 1); Resign handover time;
// and failover time after SIGKILL of a leader process (TTL 2 s). Servers: scripts/servers.sh start.
using Micro.Tests.Shared;
using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Micro.Etcd;
using Micro.Etcd.Sync;
using Micro.Postgres.Sync;
using Micro.Redis.Sync;
using Micro.Sync;
using Npgsql;
using StackExchange.Redis;

var etcd = Environment.GetEnvironmentVariable("MICRO_TEST_ETCD") ?? "127.0.0.1:23790";
var redis = Environment.GetEnvironmentVariable("MICRO_TEST_REDIS") ?? "127.0.0.1:63790";
var postgres = Environment.GetEnvironmentVariable("MICRO_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=54329;Username=micro;Database=micro_test";
const int Iterations = 300, Warmup = 30;
var connections = new List<IDisposable>();
if (args.Contains("--waiters")) return await WaitersAsync();
var ttl = TimeSpan.FromSeconds(2);

Console.WriteLine($"# sync benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {Iterations} iterations each");
Console.WriteLine("| backend | raw round trip p50 / p99 (ms) | lock+unlock p50 / p99 (ms) | resign handover p50 (ms) | failover after SIGKILL, TTL 2 s (ms, 3 runs) |");
Console.WriteLine("|---|---|---|---|---|");

await Row("memory", () => new MemorySync(), raw: null, address: null);

using (var mux = await ConnectionMultiplexer.ConnectAsync(redis))
{
    var db = mux.GetDatabase();
    await Row("redis", () => new RedisSync(Owned(ConnectionMultiplexer.Connect(redis))), raw: async () => await db.PingAsync(), address: redis);
}

using (var client = EtcdConnection.Create(etcd))
{
    var probe = new RangeRequest { Key = ByteString.CopyFromUtf8("/micro-bench/probe") };
    await Row("etcd", () => new EtcdSync(Owned(EtcdConnection.Create(etcd))), raw: async () => await client.GetAsync(probe), address: etcd);
}

await using (var source = NpgsqlDataSource.Create(postgres))
{
    await Row("postgres", () => new PostgresSync(postgres), raw: async () =>
    {
        await using var command = source.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync();
    }, address: postgres);
}
foreach (var connection in connections) connection.Dispose();
return 0;

// bench/run.sh sync --waiters: backend requests per waiting client per minute (see Waiters.cs).
async Task<int> WaitersAsync()
{
    Console.WriteLine($"# sync waiters, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: requests per waiting client per minute (4 clients, 20 s windows)");
    var folder = Directory.CreateTempSubdirectory("micro-bench-wait-").FullName;
    var (redisPort, etcdPort, peerPort) = (Free(), Free(), Free());
    using var privateRedis = Waiters.Start("redis-server", "--bind", "127.0.0.1", "--port", $"{redisPort}", "--save", "", "--appendonly", "no", "--dir", folder);
    using var privateEtcd = Waiters.Start("etcd", "--name", "bench", "--data-dir", Path.Combine(folder, "etcd"),
        "--listen-client-urls", $"http://127.0.0.1:{etcdPort}", "--advertise-client-urls", $"http://127.0.0.1:{etcdPort}",
        "--listen-peer-urls", $"http://127.0.0.1:{peerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peerPort}",
        "--initial-cluster", $"bench=http://127.0.0.1:{peerPort}");
    try
    {
        await Waiters.UntilListeningAsync(redisPort);
        await Waiters.UntilListeningAsync(etcdPort);
        var redisAddress = $"127.0.0.1:{redisPort}";
        using var admin = await ConnectionMultiplexer.ConnectAsync(redisAddress + ",allowAdmin=true");
        var perMinute = await Waiters.MeasureAsync(() => new RedisSync(Owned(ConnectionMultiplexer.Connect(redisAddress))), () => Waiters.RedisCommandsAsync(admin.GetServers()[0]));
        Console.WriteLine($"redis (server commands): {perMinute:F0} requests per waiting client per minute");
        using var http = new HttpClient();
        var etcdAddress = $"127.0.0.1:{etcdPort}";
        perMinute = await Waiters.MeasureAsync(() => new EtcdSync(Owned(EtcdConnection.Create(etcdAddress))), () => Waiters.EtcdRequestsAsync(http, etcdAddress));
        Console.WriteLine($"etcd (server gRPC calls and streams): {perMinute:F0} requests per waiting client per minute");
        // PostgreSQL: the shared server; each client counts its own lease requests (no other client touches this table).
        var syncs = new List<PostgresSync>();
        var options = new SyncOptions { Namespace = "bench_" + Guid.NewGuid().ToString("N")[..12] };
        perMinute = await Waiters.MeasureAsync(() => { var s = new PostgresSync(postgres, options); syncs.Add(s); return s; }, () => Task.FromResult(syncs.Sum(s => s.Attempts)));
        Console.WriteLine($"postgres (lease requests counted by the clients): {perMinute:F0} requests per waiting client per minute");
        await using (var cleanup = NpgsqlDataSource.Create(postgres))
        await using (var drop = cleanup.CreateCommand($"DROP SCHEMA IF EXISTS \"{options.Namespace}\" CASCADE")) await drop.ExecuteNonQueryAsync();
        var memory = new MemorySync();
        perMinute = await Waiters.MeasureAsync(() => memory, () => Task.FromResult(memory.Attempts));
        Console.WriteLine($"memory (lease requests): {perMinute:F0} requests per waiting client per minute");
    }
    finally
    {
        privateRedis.Kill();
        privateEtcd.Kill();
        await privateRedis.WaitForExitAsync();
        await privateEtcd.WaitForExitAsync();
        foreach (var connection in connections) connection.Dispose();
        Directory.Delete(folder, recursive: true);
    }
    return 0;

    static int Free()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

// Connections the syncs use, closed at the end (the syncs share, never own, what they are given).
T Owned<T>(T connection) where T : IDisposable
{
    connections.Add(connection);
    return connection;
}

async Task Row(string name, Func<ISync> create, Func<Task>? raw, string? address)
{
    var rawTimes = raw is null ? null : await Measure(async _ => await raw());
    await using var sync = create();
    var id = $"bench-{Guid.NewGuid():N}";
    var lockTimes = await Measure(async _ =>
    {
        var held = await sync.LockAsync(id, new LockOptions { Ttl = TimeSpan.FromSeconds(10) });
        await held.UnlockAsync();
    });
    var handover = await Handover(create);
    var failover = address is null ? "n/a (in-process)" : string.Join(", ", await Failover(name, address, create));
    Console.WriteLine($"| {name} | {(rawTimes is null ? "n/a" : $"{P(rawTimes, 0.5):0.000} / {P(rawTimes, 0.99):0.000}")} | {P(lockTimes, 0.5):0.000} / {P(lockTimes, 0.99):0.000} | {handover:0.0} | {failover} |");
}

static async Task<double[]> Measure(Func<int, Task> action)
{
    for (var i = 0; i < Warmup; i++) await action(i);
    var times = new double[Iterations];
    for (var i = 0; i < Iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await action(i);
        times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
    Array.Sort(times);
    return times;
}

static double P(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

// From ResignAsync returning to the waiting candidate (another client) holding leadership.
async Task<double> Handover(Func<ISync> create)
{
    await using var a = create();
    await using var b = create();
    var times = new List<double>();
    for (var i = 0; i < 20; i++)
    {
        var id = $"bench-resign-{Guid.NewGuid():N}";
        var first = await a.LeaderAsync(id, new LeaderOptions { Ttl = TimeSpan.FromSeconds(10), Candidate = "a" });
        var next = b.LeaderAsync(id, new LeaderOptions { Ttl = TimeSpan.FromSeconds(10), Candidate = "b" }).AsTask();
        await Task.Delay(30);
        var start = Stopwatch.GetTimestamp();
        await first.ResignAsync();
        var second = await next;
        times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        await second.ResignAsync();
    }
    times.Sort();
    return times[times.Count / 2];
}

// From SIGKILL of the leader process to a waiting candidate in this process leading.
async Task<List<string>> Failover(string backend, string address, Func<ISync> create)
{
    var results = new List<string>();
    for (var run = 0; run < 3; run++)
    {
        var id = $"bench-failover-{Guid.NewGuid():N}";
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { RepoPaths.BuiltDll("tests", "Micro.Tests.SyncWorker"), backend, address, id, "lead", ((int)ttl.TotalMilliseconds).ToString(), "worker" }) info.ArgumentList.Add(arg);
        using var worker = Process.Start(info)!;
        string? line;
        while ((line = await worker.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("LEADER", StringComparison.Ordinal)) { }
        if (line is null) throw new InvalidOperationException("the worker exited before leading");
        await using var sync = create();
        var campaign = sync.LeaderAsync(id, new LeaderOptions { Ttl = ttl, Candidate = "bench", Wait = TimeSpan.FromSeconds(30) }).AsTask();
        await Task.Delay(100);
        var start = Stopwatch.GetTimestamp();
        worker.Kill();
        await using var leader = await campaign;
        results.Add($"{Stopwatch.GetElapsedTime(start).TotalMilliseconds:0}");
        await worker.WaitForExitAsync();
    }
    return results;
}
