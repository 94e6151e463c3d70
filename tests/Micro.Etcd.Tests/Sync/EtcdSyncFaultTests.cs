using Micro.Conformance;
using Micro.Etcd.Sync;
using Micro.Sync;

namespace Micro.Etcd.Tests.Sync;

/// <summary>etcd outages, on a private etcd of the test's own (never the shared one).</summary>
public sealed class EtcdSyncFaultTests
{
    [Fact]
    public async Task Renewals_failing_through_an_outage_leave_no_unobserved_task_exception()
    {
        var unobserved = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        void Record(object? sender, UnobservedTaskExceptionEventArgs e) => unobserved.Enqueue(e.Exception);
        CollectGarbage(); // what earlier tests in this process left behind is not this test's
        TaskScheduler.UnobservedTaskException += Record;
        try
        {
            await using var etcd = PrivateServer.Etcd();
            await etcd.StartAsync();
            using var client = EtcdConnection.Create(etcd.Address);
            await using var sync = new EtcdSync(client);
            var held = await sync.LockAsync("outage", new LockOptions { Ttl = TimeSpan.FromSeconds(3) });

            await etcd.StopAsync();
            // Renewals every second fail until the hold is declared lost (a whole TTL without one).
            await Task.Delay(Timeout.Infinite, held.Lost).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(held.IsHeld);
            await held.UnlockAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default); // fails (etcd is down): observed here
        }
        finally
        {
            // Faulted tasks nobody awaited surface when they are collected.
            CollectGarbage();
            TaskScheduler.UnobservedTaskException -= Record;
        }
        Assert.Empty(unobserved);
    }

    private static void CollectGarbage()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [Fact]
    public async Task A_waiter_rides_out_an_etcd_restart()
    {
        await using var etcd = PrivateServer.Etcd();
        await etcd.StartAsync();
        using var holderClient = EtcdConnection.Create(etcd.Address);
        using var waiterClient = EtcdConnection.Create(etcd.Address);
        await using var holder = new EtcdSync(holderClient);
        await using var waiter = new EtcdSync(waiterClient);
        var held = await holder.LockAsync("job", new LockOptions { Ttl = TimeSpan.FromSeconds(3) });
        var waiting = waiter.LockAsync("job", new LockOptions { Ttl = TimeSpan.FromSeconds(3) }).AsTask();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (waiter.Attempts < 2 && DateTime.UtcNow < until) await Task.Delay(10);

        await etcd.StopAsync();
        // The holder dies during the outage (its unlock fails, its renewals stop); had it lived, renewing after the
        // restart would rightly keep the lock.
        await holder.DisposeAsync();
        Assert.False(waiting.IsCompleted);
        await etcd.StartAsync(); // same data folder: the lease survives and expires after its TTL on the new leader
        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(next.IsHeld);
        Assert.True(next.FencingToken > held.FencingToken);
    }
}
