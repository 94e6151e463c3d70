// A broker test process, configured like any service by the environment (MICRO_BROKER, MICRO_REGISTRY, ...):
//   subscribe TOPIC FILE            a service "nlsub" that appends each handled message id to FILE (flushed before the ack)
//   publish TOPIC FILE FROM COUNT   publishes ids m-FROM.. (64 in flight); appends each id to FILE once PublishAsync returned;
//                                   then waits until the broker has nothing pending and prints "drained"; on the way it prints
//                                   "refused" once a subscriber refused a delivery (auth) and "dead-lettered N" as dead letters grow
// Auth, TLS and the file store come from the environment too (MICRO_AUTH=jwt, MICRO_AUTH_ID, MICRO_STORE=file, ...).
// Prints "ready" once subscribed / connected.
using System.Globalization;
using Micro;
using Micro.Broker;
using Micro.Etcd;
using Micro.Nats;
using Micro.Sqlite;

var (role, topic, file) = (args[0], args[1], args[2]);
if (role == "subscribe")
{
    var builder = MicroService.CreateBuilder([], "nlsub");
    builder.Services.AddEtcdPlugins();
    builder.Services.AddNatsPlugins();
    builder.Services.AddSqlitePlugins();
    builder.Services.AddMicroJson(WorkerJson.Default);
    var output = new StreamWriter(new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = false };
    var gate = new object();
    builder.Subscribe<Event>(topic, (message, _) =>
    {
        // Written to the kernel before the handler returns (and the ack goes): a SIGKILL after this keeps the line.
        lock (gate)
        {
            output.WriteLine(message.Id);
            output.Flush();
        }
    }, o => o.AckWait = TimeSpan.FromSeconds(5));
    await using var app = builder.Build();
    await app.StartAsync();
    Console.WriteLine("ready");
    await Task.Delay(Timeout.Infinite);
}
else
{
    var (from, count) = (int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture));
    await using var client = MicroService.CreateClient([], services => { services.AddEtcdPlugins(); services.AddNatsPlugins(); services.AddSqlitePlugins(); services.AddMicroJson(WorkerJson.Default); });
    var broker = client.Publisher!.Broker;
    await broker.ConnectAsync();
    Console.WriteLine("ready");
    await using var output = new StreamWriter(new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
    var gate = new object();
    var next = from - 1;
    await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < from + count)
        {
            var id = "m-" + i.ToString(CultureInfo.InvariantCulture);
            await client.PublishAsync(topic, new Event(id));
            lock (gate)
            {
                output.WriteLine(id);
                output.Flush();
            }
        }
    })));
    Console.WriteLine("published");
    using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
    var (refused, deadLettered) = (false, 0L);
    while (broker.Counters.Pending > 0 && !limit.IsCancellationRequested)
    {
        if (!refused && broker.Counters.Refused > 0) Console.WriteLine("refused");
        refused |= broker.Counters.Refused > 0;
        if (broker.Counters.DeadLettered != deadLettered) Console.WriteLine("dead-lettered " + (deadLettered = broker.Counters.DeadLettered).ToString(CultureInfo.InvariantCulture));
        await Task.Delay(50);
    }
    Console.WriteLine(broker.Counters.Pending == 0 ? "drained" : "stuck " + broker.Counters.Pending);
}

/// <summary>The message the tests publish.</summary>
internal sealed record Event(string Id);

[System.Text.Json.Serialization.JsonSerializable(typeof(Event))]
internal sealed partial class WorkerJson : System.Text.Json.Serialization.JsonSerializerContext;
