using System.Diagnostics;
using System.Globalization;
using Micro.Broker;
using Micro.Broker.Http;
using Micro.Registry;
using Micro.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Bench.PubSub;

/// <summary>
/// The HTTP broker between two processes: this one publishes through the durable (SQLite) outbox with 256 publishes in
/// flight; the child subscribes. The registry is in-process here with the child's node entered by hand, so the rounds
/// measure the broker's data path (outbox, batching, HTTP/2, acks), not discovery.
/// </summary>
public sealed class HttpBench : IAsyncDisposable
{
    public const string Topic = "bench.http";
    private readonly Process _child;
    private readonly HttpBroker _broker;
    private readonly string _folder;

    private readonly ServiceProvider _services;

    private HttpBench(Process child, HttpBroker broker, string folder, ServiceProvider services)
    {
        _services = services;
        _child = child;
        _broker = broker;
        _folder = folder;
    }

    public static async Task<HttpBench> StartAsync()
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(HttpBench).Assembly.Location);
        start.ArgumentList.Add("subscriber");
        var child = Process.Start(start)!;
        var ready = await child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("subscriber process exited");
        var address = ready["ready ".Length..];
        var registry = new MemoryRegistry();
        await registry.RegisterAsync(new ServiceInfo
        {
            Name = "micro.broker." + Topic,
            Nodes = [new NodeInfo { Id = "bench-subscriber", Address = address, Metadata = new Dictionary<string, string> { ["group"] = "bench", ["broadcast"] = "false", ["topic"] = Topic } }],
        }, new RegisterOptions { Ttl = TimeSpan.FromHours(1) });
        var folder = Directory.CreateTempSubdirectory("micro-pubsub-").FullName;
        // The durable outbox comes with Micro.Sqlite, chosen through the container as an app does.
        var services = new ServiceCollection();
        services.AddSingleton<IRegistry>(registry);
        services.AddSqlitePlugins();
        services.AddMicroBroker();
        services.UseHttpBroker(o => { o.Outbox = "file"; o.OutboxPath = folder; });
        var provider = services.BuildServiceProvider();
        var broker = (HttpBroker)provider.GetRequiredService<IBroker>();
        return new HttpBench(child, broker, folder, provider);
    }

    public async Task<Result> RunAsync(int count)
    {
        await _child.StandardInput.WriteLineAsync("round " + count.ToString(CultureInfo.InvariantCulture));
        await _child.StandardInput.FlushAsync();
        if (await _child.StandardOutput.ReadLineAsync() != "go") throw new InvalidOperationException("subscriber process did not start the round");
        var delivered = _broker.Counters.Delivered;
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 256).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                var body = new byte[128];
                Latencies.Stamp(body);
                await _broker.PublishAsync(new BrokerMessage(Topic, body, new Dictionary<string, string> { [BrokerHeaders.Id] = Guid.NewGuid().ToString() }));
            }
        })));
        var done = await _child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("subscriber process exited");
        while (_broker.Counters.Delivered < delivered + count) await Task.Delay(1);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var parts = done.Split(' ');
        return new Result(count, count / seconds, double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _services.DisposeAsync();
        _child.StandardInput.Close();
        if (!_child.WaitForExit(10_000)) _child.Kill();
        Directory.Delete(_folder, recursive: true);
    }
}
