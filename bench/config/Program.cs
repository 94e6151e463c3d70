// How long a change takes to reach IMicroConfig.Watch: a file save, and an etcd put (real etcd from
// scripts/servers.sh).   bench/run.sh config [--rounds 20]
using System.Diagnostics;
using System.Globalization;
using Micro.Config;
using Micro.Etcd;
using Micro.Etcd.Config;
using Microsoft.Extensions.Configuration;

var rounds = args.Length > 1 && args[0] == "--rounds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var etcdAddress = Environment.GetEnvironmentVariable("MICRO_TEST_ETCD") ?? "127.0.0.1:23790";
var folder = Directory.CreateTempSubdirectory("micro-bench-config-").FullName;
var file = Path.Combine(folder, "config.json");
File.WriteAllText(file, """{"value":"0"}""");
var prefix = $"/micro-bench-config-{Guid.NewGuid():N}/";
using var etcd = EtcdConnection.Create(etcdAddress);
await etcd.PutAsync(prefix + "value", "0");

var fileRoot = new ConfigurationBuilder().AddMicroJsonFile(file).Build();
var etcdRoot = new ConfigurationBuilder().AddEtcd(etcdAddress, prefix).Build();
var fileMs = await Measure(new MicroConfig(fileRoot), i => File.WriteAllTextAsync(file, $$"""{"value":"{{i}}"}"""));
var etcdMs = await Measure(new MicroConfig(etcdRoot), i => etcd.PutAsync(prefix + "value", i.ToString(CultureInfo.InvariantCulture)));
await etcd.DeleteRangeAsync(prefix);
Directory.Delete(folder, recursive: true);

Console.WriteLine($"# config change -> Watch callback, {rounds} changes each, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"file save -> watch: median {Median(fileMs):F1} ms, max {fileMs.Max():F1} ms"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"etcd put  -> watch: median {Median(etcdMs):F1} ms, max {etcdMs.Max():F1} ms"));

async Task<List<double>> Measure(IMicroConfig config, Func<int, Task> change)
{
    var results = new List<double>();
    for (var i = 1; i <= rounds; i++)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var expected = i.ToString(CultureInfo.InvariantCulture);
        using var watch = config.Watch("value", v => { if (v.Raw == expected) fired.TrySetResult(); });
        var clock = Stopwatch.StartNew();
        await change(i);
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        results.Add(clock.Elapsed.TotalMilliseconds);
        await Task.Delay(50); // let the file watcher settle between saves
    }
    return results;
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
