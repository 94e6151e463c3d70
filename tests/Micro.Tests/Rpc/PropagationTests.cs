using Micro.Client;
using Micro.Errors;
using Micro.Registry;
using Micro.Server;
using Micro.Store;
using Micro.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Rpc;

/// <summary>Deadlines, cancellation and errors follow a call through the services it fans out to.</summary>
public class PropagationTests
{
    private sealed class Seen
    {
        public DateTime? ADeadline, BDeadline, CDeadline;
        public readonly TaskCompletionSource BCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource CCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource CStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_300ms_deadline_at_A_cancels_B_and_C_and_C_sees_no_later_deadline(bool ambient)
    {
        await using var cluster = new TestCluster();
        var seen = new Seen();
        await cluster.StartNodeAsync("c", b => b.Handle<Echo, EchoReply>("C.Work", async (req, ctx) =>
        {
            if (req.Text == "warm") return new EchoReply("warm", "c");
            seen.CDeadline = ctx.Deadline;
            seen.CStarted.TrySetResult();
            using var _ = ctx.CancellationToken.Register(() => seen.CCancelled.TrySetResult());
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            return new EchoReply("late", "c");
        }));
        await cluster.StartNodeAsync("b", b => b.Handle<Echo, EchoReply>("B.Work", async (req, ctx) =>
        {
            if (req.Text != "warm") seen.BDeadline = ctx.Deadline;
            try
            {
                var client = ctx.Services.GetRequiredService<IMicroClient>();
                // No timeout of its own (the default is 10 s): the deadline comes from upstream.
                return await client.CallAsync<Echo, EchoReply>("c", "C.Work", req, ambient ? null : new CallOptions { Parent = ctx });
            }
            finally
            {
                // B ends when its own deadline cancels it or when C fails because of the same deadline, whichever is first.
                if (req.Text != "warm") seen.BCancelled.TrySetResult();
            }
        }));
        await cluster.StartNodeAsync("a", b => b.Handle<Echo, EchoReply>("A.Work", async (req, ctx) =>
        {
            if (req.Text != "warm") seen.ADeadline = ctx.Deadline;
            var client = ctx.Services.GetRequiredService<IMicroClient>();
            if (ambient) return await client.CallAsync<Echo, EchoReply>("b", "B.Work", req);
            // Explicitly: work that must not inherit runs without the ambient context...
            Task<EchoReply> detached;
            using (ExecutionContext.SuppressFlow())
                detached = Task.Run(() => client.CallAsync<Echo, EchoReply>("b", "B.Work", req, new CallOptions { Parent = ctx }));
            return await detached;
        }));
        await using var caller = cluster.CreateClient(new ClientOptions { Retries = 0 });
        // The first calls open channels and run cold code: not what a 300 ms budget is for.
        for (var i = 0; i < 3; i++) Assert.Equal("warm", (await caller.CallAsync<Echo, EchoReply>("a", "A.Work", new Echo("warm"))).Text);

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<MicroException>(() =>
            caller.CallAsync<Echo, EchoReply>("a", "A.Work", new Echo("x"), new CallOptions { Timeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Equal(ErrorCodes.DeadlineExceeded, error.Id);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "the caller waited far past its deadline");

        await seen.CStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await Task.WhenAll(seen.BCancelled.Task, seen.CCancelled.Task).WaitAsync(TimeSpan.FromSeconds(5)); // not C's own 30 s
        Assert.NotNull(seen.ADeadline);
        Assert.True(seen.BDeadline <= seen.ADeadline, $"B's deadline {seen.BDeadline:O} is later than A's {seen.ADeadline:O}");
        Assert.True(seen.CDeadline <= seen.ADeadline, $"C's deadline {seen.CDeadline:O} is later than A's {seen.ADeadline:O}");
        Assert.True(seen.ADeadline <= started.AddMilliseconds(300 + 1000));
    }

    [Fact]
    public async Task Cancelling_the_call_at_A_cancels_the_downstream_call()
    {
        await using var cluster = new TestCluster();
        var seen = new Seen();
        await cluster.StartNodeAsync("c", b => b.Handle<Echo, EchoReply>("C.Work", async (req, ctx) =>
        {
            seen.CStarted.TrySetResult();
            using var _ = ctx.CancellationToken.Register(() => seen.CCancelled.TrySetResult());
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            return new EchoReply("late", "c");
        }));
        await cluster.StartNodeAsync("a", b => b.Handle<Echo, EchoReply>("A.Work", (req, ctx) =>
            ctx.Services.GetRequiredService<IMicroClient>().CallAsync<Echo, EchoReply>("c", "C.Work", req)));
        await using var caller = cluster.CreateClient();
        using var cancel = new CancellationTokenSource();
        var call = caller.CallAsync<Echo, EchoReply>("a", "A.Work", new Echo("x"), cancellationToken: cancel.Token);
        await seen.CStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await seen.CCancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_downstream_unavailable_is_502_upstream_and_never_blames_the_healthy_node()
    {
        await using var cluster = new TestCluster(new NoDeregisterRegistry(new MemoryRegistry()));
        var runs = 0;
        // "deep" is registered but nothing listens: every call from "mid" to it fails with micro.unavailable.
        await cluster.Registry.RegisterAsync(new ServiceInfo { Name = "deep", Nodes = [new NodeInfo { Id = "deep-1", Address = "127.0.0.1:" + GeneratedClientTests.FreePort() }] });
        var mid = await cluster.StartNodeAsync("mid", b => b.Handle<Echo, EchoReply>("Mid.Get", async (req, ctx) =>
        {
            Interlocked.Increment(ref runs);
            return await ctx.Services.GetRequiredService<IMicroClient>().CallAsync<Echo, EchoReply>("deep", "Deep.Get", req);
        }, idempotent: true));
        await using var caller = cluster.CreateClient(new ClientOptions { Retries = 2 });

        var error = await Assert.ThrowsAsync<MicroException>(() => caller.CallAsync<Echo, EchoReply>("mid", "Mid.Get", new Echo("x")));
        Assert.Equal((ErrorCodes.Downstream, 502), (error.Id, error.Code));
        Assert.Contains(ErrorCodes.Unavailable, error.Detail); // the cause's id is kept
        Assert.DoesNotContain("127.0.0.1", error.Detail);
        Assert.Equal(1, runs); // not retried, although idempotent: retrying mid cannot help
        Assert.False(caller.Health.IsFailed(mid.Address));
    }

    [Fact]
    public async Task An_application_error_from_downstream_reaches_the_caller_unchanged()
    {
        await using var cluster = new TestCluster();
        await cluster.StartNodeAsync("deep", b => b.Handle<Echo, EchoReply>("Deep.Get",
            (Func<Echo, CallContext, EchoReply>)((req, ctx) => throw MicroException.Conflict("orders.duplicate", "order 42 exists"))));
        await cluster.StartNodeAsync("mid", b => b.Handle<Echo, EchoReply>("Mid.Get", (req, ctx) =>
            ctx.Services.GetRequiredService<IMicroClient>().CallAsync<Echo, EchoReply>("deep", "Deep.Get", req)));
        await using var caller = cluster.CreateClient();
        var error = await Assert.ThrowsAsync<MicroException>(() => caller.CallAsync<Echo, EchoReply>("mid", "Mid.Get", new Echo("x")));
        Assert.Equal(("orders.duplicate", 409, "order 42 exists"), (error.Id, error.Code, error.Detail));
    }

    [Fact]
    public async Task Store_and_lock_errors_keep_id_and_code_but_not_their_keys()
    {
        await using var cluster = new TestCluster();
        await cluster.StartNodeAsync("keys", b => b
            .Handle<Echo, EchoReply>("Keys.Write", (Func<Echo, CallContext, EchoReply>)((req, ctx) => throw new StoreConflictException("tenant-7/secret-key", 1, 2)))
            .Handle<Echo, EchoReply>("Keys.Lock", (Func<Echo, CallContext, EchoReply>)((req, ctx) => throw new LockTimeoutException("invoice-lock-99", TimeSpan.FromSeconds(1)))));
        await using var caller = cluster.CreateClient();
        var conflict = await Assert.ThrowsAsync<MicroException>(() => caller.CallAsync<Echo, EchoReply>("keys", "Keys.Write", new Echo("x")));
        Assert.Equal(("micro.store.conflict", 409), (conflict.Id, conflict.Code));
        Assert.DoesNotContain("secret-key", conflict.Detail);
        var timeout = await Assert.ThrowsAsync<MicroException>(() => caller.CallAsync<Echo, EchoReply>("keys", "Keys.Lock", new Echo("x")));
        Assert.Equal((LockTimeoutException.ErrorId, 408), (timeout.Id, timeout.Code));
        Assert.DoesNotContain("invoice-lock-99", timeout.Detail);
    }
}
