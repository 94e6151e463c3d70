using System.Diagnostics;
using Micro.Sync;
using Xunit;

namespace Micro.Conformance.Sync;

/// <summary>
/// The sync guarantees across processes: exclusion between 16 worker processes, and release or
/// failover within TTL + 1 s after the holder is killed with SIGKILL (no goodbye, no unlock).
/// </summary>
public abstract class SyncProcessConformance : IAsyncLifetime
{
    private readonly List<ISync> _created = [];

    /// <summary>The backend's name as MICRO_SYNC spells it (etcd, redis, postgres).</summary>
    protected abstract string Backend { get; }

    /// <summary>MICRO_SYNC_ADDRESS for the worker processes.</summary>
    protected abstract string Address { get; }

    protected abstract ISync CreateSync();

    protected virtual TimeSpan Ttl => TimeSpan.FromSeconds(2);

    private ISync NewSync()
    {
        var sync = CreateSync();
        _created.Add(sync);
        return sync;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var sync in _created) await sync.DisposeAsync();
    }

    [Fact]
    public async Task Sixteen_processes_incrementing_a_shared_file_under_the_lock_lose_no_update()
    {
        const int processes = 16, total = 2000;
        var id = $"procs-{Guid.NewGuid():N}";
        var file = Path.Combine(Path.GetTempPath(), id + ".counter");
        await File.WriteAllTextAsync(file, "0");
        var workers = Enumerable.Range(0, processes)
            .Select(_ => SyncWorker.Start(Backend, Address, id, "count", (total / processes).ToString(), file))
            .ToList();
        try
        {
            foreach (var worker in workers)
            {
                await worker.WaitForAsync("DONE", TimeSpan.FromSeconds(300)); // generous: 16 processes on a shared 2-core machine
                await worker.WaitForExitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(0, worker.ExitCode);
            }
            Assert.Equal(total, int.Parse(await File.ReadAllTextAsync(file)));
        }
        finally
        {
            foreach (var worker in workers) await worker.DisposeAsync();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_killed_holder_releases_the_lock_to_a_waiter_within_ttl_plus_one_second()
    {
        var id = $"kill-{Guid.NewGuid():N}";
        await using var worker = SyncWorker.Start(Backend, Address, id, "hold", ((int)Ttl.TotalMilliseconds).ToString());
        var token = long.Parse(await worker.WaitForAsync("HELD", TimeSpan.FromSeconds(30)));
        var waiting = NewSync().LockAsync(id, new LockOptions { Ttl = Ttl, Wait = TimeSpan.FromSeconds(30) }).AsTask();
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted); // still held by the live worker

        var clock = Stopwatch.StartNew();
        worker.Kill();
        await using var held = await waiting;
        clock.Stop();

        Assert.True(clock.Elapsed <= Ttl + TimeSpan.FromSeconds(1), $"lock freed {clock.Elapsed} after SIGKILL, TTL {Ttl}");
        Assert.True(held.FencingToken > token);
    }

    [Fact]
    public async Task Leadership_fails_over_within_ttl_plus_one_second_after_the_leader_is_killed()
    {
        var id = $"failover-{Guid.NewGuid():N}";
        await using var worker = SyncWorker.Start(Backend, Address, id, "lead", ((int)Ttl.TotalMilliseconds).ToString(), "worker");
        var token = long.Parse(await worker.WaitForAsync("LEADER", TimeSpan.FromSeconds(30)));
        var observer = NewSync();
        Assert.Equal("worker", (await observer.GetLeaderAsync(id))?.Candidate);
        // Four more candidates in this process: five in all.
        var campaigns = Enumerable.Range(1, 4)
            .Select(i => NewSync().LeaderAsync(id, new LeaderOptions { Ttl = Ttl, Candidate = $"c{i}", Wait = TimeSpan.FromSeconds(30) }).AsTask())
            .ToList();
        await Task.Delay(100);
        Assert.DoesNotContain(campaigns, c => c.IsCompleted);

        var clock = Stopwatch.StartNew();
        worker.Kill();
        var first = await await Task.WhenAny(campaigns);
        clock.Stop();

        Assert.True(clock.Elapsed <= Ttl + TimeSpan.FromSeconds(1), $"failover took {clock.Elapsed}, TTL {Ttl}");
        Assert.True(first.FencingToken > token);
        Assert.Equal(first.Candidate, (await observer.GetLeaderAsync(id))?.Candidate);
        await Task.Delay(100);
        Assert.Equal(1, campaigns.Count(c => c.IsCompleted));
        // Hand over down the line so no campaign is left waiting.
        while (campaigns.Count > 0)
        {
            var done = await Task.WhenAny(campaigns).WaitAsync(TimeSpan.FromSeconds(10));
            campaigns.Remove(done);
            await (await done).ResignAsync();
        }
    }
}
