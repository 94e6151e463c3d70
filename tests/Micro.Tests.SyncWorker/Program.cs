// Usage: Micro.Tests.SyncWorker BACKEND ADDRESS ID MODE [ARGS]
//   count N FILE      N times: lock ID, read the number in FILE, write it + 1, unlock; then print DONE
//   hold TTL_MS       lock ID, print "HELD token", wait to be killed
//   lead TTL_MS NAME  campaign for ID as NAME, print "LEADER token", wait to be killed
// The backend is picked the way an app picks it: MICRO_SYNC and MICRO_SYNC_ADDRESS in configuration.
using Micro.Etcd.Sync;
using Micro.Postgres.Sync;
using Micro.Redis.Sync;
using Micro.Sync;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

if (args.Length < 4)
{
    Console.Error.WriteLine("usage: Micro.Tests.SyncWorker BACKEND ADDRESS ID count N FILE | hold TTL_MS | lead TTL_MS NAME");
    return 2;
}
var (backend, address, id, mode) = (args[0], args[1], args[2], args[3]);
var configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?> { ["MICRO_SYNC"] = backend, ["MICRO_SYNC_ADDRESS"] = address })
    .Build();
var services = new ServiceCollection()
    .AddSingleton<IConfiguration>(configuration)
    .AddMicroSync()
    .AddEtcdSyncPlugin()
    .AddRedisSyncPlugin()
    .AddPostgresSyncPlugin();
await using var provider = services.BuildServiceProvider();
var sync = provider.GetRequiredService<ISync>();

switch (mode)
{
    case "count":
        var times = int.Parse(args[4]);
        var file = args[5];
        for (var i = 0; i < times; i++)
        {
            await using var held = await sync.LockAsync(id, new LockOptions { Ttl = TimeSpan.FromSeconds(10), Wait = TimeSpan.FromSeconds(120) });
            var value = int.Parse(await File.ReadAllTextAsync(file));
            await File.WriteAllTextAsync(file, (value + 1).ToString());
        }
        Console.WriteLine("DONE");
        return 0;
    case "hold":
        var lockHeld = await sync.LockAsync(id, new LockOptions { Ttl = TimeSpan.FromMilliseconds(int.Parse(args[4])) });
        Console.WriteLine($"HELD {lockHeld.FencingToken}");
        await Task.Delay(Timeout.Infinite, lockHeld.Lost);
        return 1;
    case "lead":
        var term = await sync.LeaderAsync(id, new LeaderOptions { Ttl = TimeSpan.FromMilliseconds(int.Parse(args[4])), Candidate = args[5] });
        Console.WriteLine($"LEADER {term.FencingToken}");
        await Task.Delay(Timeout.Infinite, term.Lost);
        return 1;
    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}
