// How hard waiting clients load the backend: requests per waiting client per minute while a lock is held
// (the holder renewing, four clients waiting, each its own connection). Server-side counts on private
// servers (Redis INFO commandstats, etcd /metrics), so the figure does not depend on the client's code.
//   bench/run.sh sync --waiters
using Micro.Tests.Shared;
using System.Diagnostics;
using System.Globalization;
using Micro.Sync;

internal static class Waiters
{
    private const int Clients = 4;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);

    /// <summary>Requests per waiting client per minute, from the server's own count, net of the holder's renewals.</summary>
    public static async Task<double> MeasureAsync(Func<ISync> create, Func<Task<long>> serverRequests)
    {
        await using var holderSync = create();
        var id = $"bench-wait-{Guid.NewGuid():N}";
        var held = await holderSync.LockAsync(id, new LockOptions { Ttl = TimeSpan.FromSeconds(30) });
        // The holder alone: its renewals (and our own counting) are the floor to subtract.
        var quiet = await CountAsync(serverRequests);

        var syncs = Enumerable.Range(0, Clients).Select(_ => create()).ToList();
        using var stop = new CancellationTokenSource();
        var waiting = syncs.Select(s => Wait(s, id, stop.Token)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2)); // past the first tries
        var busy = await CountAsync(serverRequests);
        await stop.CancelAsync();
        await Task.WhenAll(waiting);
        await held.UnlockAsync();
        foreach (var sync in syncs) await sync.DisposeAsync();
        return Math.Max(0, busy - quiet) / (double)Clients * (60 / Window.TotalSeconds);
    }

    private static async Task Wait(ISync sync, string id, CancellationToken stop)
    {
        try { await using var _ = await sync.LockAsync(id, new LockOptions { Ttl = TimeSpan.FromSeconds(30) }, stop); }
        catch (OperationCanceledException) { }
    }

    private static async Task<long> CountAsync(Func<Task<long>> serverRequests)
    {
        var before = await serverRequests();
        await Task.Delay(Window);
        return await serverRequests() - before;
    }

    /// <summary>Total commands a Redis server executed (INFO commandstats), without the INFO calls themselves.</summary>
    public static async Task<long> RedisCommandsAsync(StackExchange.Redis.IServer server)
    {
        long total = 0;
        foreach (var group in await server.InfoAsync("commandstats"))
            foreach (var (key, value) in group)
                if (key.StartsWith("cmdstat_", StringComparison.Ordinal) && key != "cmdstat_info")
                    total += long.Parse(value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture);
        return total;
    }

    /// <summary>gRPC calls and streams an etcd server started (its /metrics).</summary>
    public static async Task<long> EtcdRequestsAsync(HttpClient http, string address)
    {
        var text = await http.GetStringAsync($"http://{address}/metrics");
        long total = 0;
        foreach (var line in text.Split('\n'))
            if (line.StartsWith("grpc_server_started_total{", StringComparison.Ordinal))
                total += (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        return total;
    }

    /// <summary>Starts a private server (etcd or redis-server) on <paramref name="port"/> in a temp folder; kill it when done.</summary>
    public static Process Start(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        return Process.Start(info)!.DiscardOutput();
    }

    public static async Task UntilListeningAsync(int port)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) { await Task.Delay(50); }
        }
        throw new InvalidOperationException($"nothing listens on {port}");
    }
}
