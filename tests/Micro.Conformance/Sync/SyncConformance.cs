using Micro.Sync;
using Xunit;

namespace Micro.Conformance.Sync;

/// <summary>
/// What every <see cref="ISync"/> must do: mutual exclusion under contention, strictly increasing
/// fencing tokens, documented timeouts, the lost signal, and single-leader elections.
/// Each test uses fresh ids (a Guid), so backends on shared servers do not collide.
/// </summary>
public abstract class SyncConformance : IAsyncLifetime
{
    private readonly List<ISync> _created = [];

    /// <summary>The namespace of this test's keys (<see cref="SyncOptions.Namespace"/>): unique, so tests on shared servers do not collide.</summary>
    protected string Namespace { get; } = "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>A new client of the backend (another "node") with <paramref name="options"/>; the suite disposes it.</summary>
    protected abstract ISync CreateSync(SyncOptions options);

    /// <summary>How many lease requests <paramref name="sync"/> sent to its backend so far.</summary>
    protected virtual long Attempts(ISync sync) => ((LeaseSync)sync).Attempts;

    /// <summary>Deletes a lease behind its holder's back (key is "lock/{id}" or "leader/{id}").</summary>
    protected abstract Task RevokeAsync(ISync sync, string key);

    /// <summary>A TTL short enough for a test that waits for expiry (etcd's minimum is about 2 s).</summary>
    protected virtual TimeSpan ShortTtl => TimeSpan.FromSeconds(2);

    protected ISync NewSync(TimeSpan? pollInterval = null)
    {
        var options = new SyncOptions { Namespace = Namespace };
        if (pollInterval is { } poll) options.PollInterval = poll;
        var sync = CreateSync(options);
        lock (_created) _created.Add(sync);
        return sync;
    }

    protected static string NewId(string what) => $"{what}-{Guid.NewGuid():N}";

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var sync in _created) await sync.DisposeAsync();
    }

    [Fact]
    public async Task Sixteen_workers_incrementing_under_the_lock_lose_no_update()
    {
        const int workers = 16, total = 2000;
        var syncs = Enumerable.Range(0, 4).Select(_ => NewSync()).ToArray();
        var id = NewId("counter");
        var counter = 0;
        var inside = 0;
        var overlaps = 0;
        var tokens = new List<long>(total);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240)); // generous: CI machines are shared

        async Task Work(int worker)
        {
            for (var i = 0; i < total / workers; i++)
            {
                await using var held = await syncs[worker % syncs.Length].LockAsync(id, new LockOptions { Ttl = TimeSpan.FromSeconds(10) }, timeout.Token);
                if (Interlocked.Increment(ref inside) != 1) Interlocked.Increment(ref overlaps);
                tokens.Add(held.FencingToken); // safe: only the holder touches it
                var read = counter;
                await Task.Yield(); // invite a lost update if exclusion were broken
                counter = read + 1;
                Interlocked.Decrement(ref inside);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => Work(w))));

        Assert.Equal(0, overlaps);
        Assert.Equal(total, counter);
        Assert.Equal(total, tokens.Count);
        for (var i = 1; i < tokens.Count; i++) Assert.True(tokens[i] > tokens[i - 1], $"token {tokens[i]} after {tokens[i - 1]}");
    }

    [Fact]
    public async Task Fencing_tokens_strictly_increase_across_holders_and_clients()
    {
        var a = NewSync();
        var b = NewSync();
        var id = NewId("fence");
        var last = long.MinValue;
        for (var i = 0; i < 10; i++)
        {
            var held = await (i % 2 == 0 ? a : b).LockAsync(id, new LockOptions { Wait = TimeSpan.FromSeconds(5) });
            Assert.True(held.FencingToken > last, $"token {held.FencingToken} after {last}");
            Assert.True(held.IsHeld);
            Assert.Equal(id, held.Id);
            last = held.FencingToken;
            await held.UnlockAsync();
            Assert.False(held.IsHeld);
        }
    }

    [Fact]
    public async Task A_lock_not_acquired_within_its_wait_throws_LockTimeoutException()
    {
        var a = NewSync();
        var b = NewSync();
        var id = NewId("timeout");
        await using var held = await a.LockAsync(id);

        var waited = await Assert.ThrowsAsync<LockTimeoutException>(async () => await b.LockAsync(id, new LockOptions { Wait = TimeSpan.FromMilliseconds(300) }));
        Assert.Equal(LockTimeoutException.ErrorId, waited.Id);
        Assert.Equal(408, waited.Code);
        Assert.Equal(id, waited.LockId);

        await Assert.ThrowsAsync<LockTimeoutException>(async () => await a.LockAsync(id, new LockOptions { Wait = TimeSpan.Zero }));
        Assert.True(held.IsHeld);

        await using var leader = await a.LeaderAsync(id, new LeaderOptions { Candidate = "a" }); // elections and locks do not share ids
        await Assert.ThrowsAsync<LockTimeoutException>(async () => await b.LeaderAsync(id, new LeaderOptions { Candidate = "b", Wait = TimeSpan.FromMilliseconds(200) }));
    }

    [Fact]
    public async Task A_wait_can_be_cancelled()
    {
        var a = NewSync();
        var id = NewId("cancel");
        await using var held = await a.LockAsync(id);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await NewSync().LockAsync(id, cancellationToken: cancel.Token));
        Assert.True(held.IsHeld);
    }

    [Fact]
    public async Task Bad_input_is_rejected_with_ArgumentException()
    {
        var sync = NewSync();
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await sync.LockAsync(""));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await sync.LockAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await sync.LockAsync("x", new LockOptions { Ttl = TimeSpan.Zero }));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await sync.LockAsync("x", new LockOptions { Wait = TimeSpan.FromSeconds(-1) }));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await sync.LeaderAsync(" "));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await sync.LeaderAsync("x", new LeaderOptions { Candidate = "" }));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await sync.GetLeaderAsync(""));
    }

    [Fact]
    public async Task Unlock_frees_the_lock_at_once_and_is_idempotent()
    {
        var a = NewSync();
        var b = NewSync();
        var id = NewId("unlock");
        var held = await a.LockAsync(id);
        await held.UnlockAsync();
        await held.UnlockAsync();
        await using var next = await b.LockAsync(id, new LockOptions { Wait = TimeSpan.Zero });
        Assert.True(next.IsHeld);
        Assert.True(next.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task A_holder_whose_lease_was_revoked_is_told_and_cannot_unlock_the_next_holder()
    {
        var a = NewSync();
        var b = NewSync();
        var id = NewId("revoked");
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await a.LockAsync(id, new LockOptions { Ttl = ShortTtl });
        first.Lost.Register(() => lost.TrySetResult());

        await RevokeAsync(a, "lock/" + id);
        await lost.Task.WaitAsync(ShortTtl + TimeSpan.FromSeconds(1));
        Assert.False(first.IsHeld);

        await using var second = await b.LockAsync(id, new LockOptions { Wait = TimeSpan.FromSeconds(5) });
        await first.UnlockAsync(); // must not delete the second holder's lease
        await Assert.ThrowsAsync<LockTimeoutException>(async () => await a.LockAsync(id, new LockOptions { Wait = TimeSpan.Zero }));
        Assert.True(second.IsHeld);
        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Fact]
    public async Task A_held_lock_keeps_renewing_beyond_its_ttl()
    {
        var a = NewSync();
        var id = NewId("renew");
        await using var held = await a.LockAsync(id, new LockOptions { Ttl = ShortTtl });
        await Task.Delay(ShortTtl + TimeSpan.FromMilliseconds(700)); // a real wait: renewal is the thing under test
        Assert.True(held.IsHeld);
        Assert.False(held.Lost.IsCancellationRequested);
        await Assert.ThrowsAsync<LockTimeoutException>(async () => await NewSync().LockAsync(id, new LockOptions { Wait = TimeSpan.Zero }));
    }

    [Fact]
    public async Task Five_candidates_elect_exactly_one_leader_at_a_time_and_resign_hands_over()
    {
        var id = NewId("election");
        var observer = NewSync();
        var options = new LeaderOptions { Ttl = TimeSpan.FromSeconds(10) }; // long: handovers below must come from Resign, not expiry
        var campaigns = Enumerable.Range(0, 5)
            .Select(i => NewSync().LeaderAsync(id, options with { Candidate = $"candidate-{i}" }).AsTask())
            .ToList();
        var lastToken = long.MinValue;
        var seen = new HashSet<string>();

        for (var term = 0; term < 5; term++)
        {
            var won = await Task.WhenAny(campaigns).WaitAsync(TimeSpan.FromSeconds(5));
            var leader = await won;
            campaigns.Remove(won);

            Assert.Equal(LeaderStatus.Leading, leader.Status);
            Assert.True(leader.FencingToken > lastToken);
            lastToken = leader.FencingToken;
            Assert.True(seen.Add(leader.Candidate));
            // Nobody else may win while this term lasts; the observer sees this leader and its token.
            await Task.Delay(100);
            Assert.DoesNotContain(campaigns, c => c.IsCompleted);
            var observed = await observer.GetLeaderAsync(id);
            Assert.Equal(new LeaderInfo(id, leader.Candidate, leader.FencingToken), observed);

            await leader.ResignAsync();
            Assert.Equal(LeaderStatus.Resigned, leader.Status);
            Assert.False(leader.Lost.IsCancellationRequested);
        }
        Assert.Empty(campaigns);
        Assert.Null(await observer.GetLeaderAsync(id));
    }

    [Fact]
    public async Task Observers_never_see_two_leaders()
    {
        var id = NewId("observe");
        var observer = NewSync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var current = 0; // how many candidates believe they lead right now
        var overlaps = 0;
        var terms = 0;

        async Task Candidate(int i)
        {
            var sync = NewSync();
            while (Volatile.Read(ref terms) < 20 && !stop.IsCancellationRequested)
            {
                await using var term = await sync.LeaderAsync(id, new LeaderOptions { Ttl = TimeSpan.FromSeconds(10), Candidate = $"c{i}" }, stop.Token);
                if (Interlocked.Increment(ref current) != 1) Interlocked.Increment(ref overlaps);
                Interlocked.Increment(ref terms);
                var seen = await observer.GetLeaderAsync(id, stop.Token);
                Assert.Equal(term.Candidate, seen?.Candidate);
                Interlocked.Decrement(ref current);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Task.Run(() => Candidate(i))));
        Assert.Equal(0, overlaps);
        Assert.True(terms >= 20);
    }

    [Fact]
    public async Task The_lost_signal_fires_when_the_leaders_lease_is_revoked_behind_its_back()
    {
        var id = NewId("lost");
        var a = NewSync();
        var leader = await a.LeaderAsync(id, new LeaderOptions { Ttl = ShortTtl, Candidate = "a" });
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        leader.Lost.Register(() => lost.TrySetResult());

        await RevokeAsync(a, "leader/" + id);
        await lost.Task.WaitAsync(ShortTtl + TimeSpan.FromSeconds(1));
        Assert.Equal(LeaderStatus.Lost, leader.Status);

        await using var next = await NewSync().LeaderAsync(id, new LeaderOptions { Candidate = "b", Wait = TimeSpan.FromSeconds(5) });
        Assert.Equal("b", (await a.GetLeaderAsync(id))?.Candidate);
        await leader.ResignAsync(); // a lost leader's resign must not unseat the next one
        Assert.Equal("b", (await a.GetLeaderAsync(id))?.Candidate);
    }

    [Fact]
    public async Task A_waiter_in_another_client_is_woken_by_the_release_and_does_not_poll()
    {
        var holder = NewSync();
        var waiter = NewSync(pollInterval: TimeSpan.FromSeconds(30)); // polling is only the safety net
        var id = NewId("wake");
        var held = await holder.LockAsync(id, new LockOptions { Ttl = TimeSpan.FromSeconds(30) });
        var before = Attempts(waiter);
        var waiting = waiter.LockAsync(id, new LockOptions { Ttl = TimeSpan.FromSeconds(30), Wait = TimeSpan.FromSeconds(60) }).AsTask();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Attempts(waiter) - before < 2 && DateTime.UtcNow < until) await Task.Delay(10); // it tried, and listens now
        await Task.Delay(TimeSpan.FromSeconds(1)); // a second of waiting: a polling waiter asks the backend dozens of times
        var asked = Attempts(waiter) - before;
        await held.UnlockAsync();
        // Woken by the release: long before the 30 s poll interval or the holder's 30 s TTL.
        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(next.IsHeld);
        Assert.True(asked <= 3, $"the waiter asked the backend {asked} times in a second of waiting");
    }
}
