using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using Micro.Client;
using Micro.Errors;
using Micro.Registry;
using Micro.Server;

namespace Micro.Tests.Rpc;

/// <summary>A call is retried on another node only when that cannot run it twice, or when it is idempotent.</summary>
public class RetrySafetyTests
{
    private static ServiceInfo Service(params NodeProcess[] nodes) => new()
    {
        Name = "rpcnode",
        Nodes = nodes.Select(n => n.Node).ToList(),
        Endpoints = [new EndpointInfo { Name = "Node.Charge" }, new EndpointInfo { Name = "Node.Echo", Metadata = new Dictionary<string, string> { [EndpointMetadata.Idempotent] = "true" } }],
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_node_killed_mid_call_runs_a_call_twice_only_when_it_is_idempotent(bool idempotent)
    {
        using var victim = await NodeProcess.StartAsync("victim", hang: true);
        using var survivor = await NodeProcess.StartAsync("survivor");
        await using var client = TestCluster.CreateClient(new FixedRegistry(Service(victim, survivor)), new PreferringSelector(n => n.Address == victim.Address),
            new ClientOptions { Retries = 2, Timeout = TimeSpan.FromSeconds(20) });

        var call = client.CallAsync<Charge, ChargeReply>("rpcnode", "Node.Charge", new Charge(7), new CallOptions { Idempotent = idempotent });
        await victim.WaitForExecutionsAsync(1, TimeSpan.FromSeconds(20)); // the handler runs on the victim...
        victim.Kill();                                                     // ...which dies before it answers

        if (idempotent)
        {
            var reply = await call.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(("survivor", 7), (reply.Node, reply.Seq));
            Assert.Equal(1, survivor.Executions);
        }
        else
        {
            var error = await Assert.ThrowsAsync<MicroException>(() => call.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal((ErrorCodes.Unavailable, 503), (error.Id, error.Code));
            Assert.DoesNotContain("127.0.0.1", error.Detail);
            Assert.Equal(0, survivor.Executions); // never run twice
        }
        Assert.Equal(1, victim.Executions);
        Assert.True(client.Health.IsFailed(victim.Address));
    }

    [Fact]
    public async Task A_draining_node_answers_not_run_and_even_a_non_idempotent_call_moves_on()
    {
        await using var cluster = new TestCluster();
        var handled = new ConcurrentDictionary<string, int>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        MicroApp? draining = null;
        for (var i = 0; i < 2; i++)
        {
            var index = i;
            var app = await cluster.StartNodeAsync("pay", b => b.Handle<Echo, EchoReply>("Pay.Charge", async (req, ctx) =>
            {
                handled.AddOrUpdate(index.ToString(), 1, (_, n) => n + 1);
                if (req.Text == "hold") { started.TrySetResult(); await release.Task; }
                return new EchoReply(req.Text, index.ToString());
            }));
            draining ??= app;
        }
        // A call in flight keeps the first node draining (deregistered but not gone), and the client's cache still lists it.
        await using var client = cluster.CreateClient(new ClientOptions { Retries = 1 }, new PreferringSelector(n => n.Address == draining!.Address));
        var held = client.CallAsync<Echo, EchoReply>("pay", "Pay.Charge", new Echo("hold"));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Wait until the node has begun draining: a call that arrives before that is rightly served there.
        var drainingBegan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onDrain = draining!.Services.GetRequiredService<Micro.Server.Internal.ServerState>().DrainingToken.Register(() => drainingBegan.TrySetResult());
        var stopping = draining.StopAsync();
        await drainingBegan.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var reply = await client.CallAsync<Echo, EchoReply>("pay", "Pay.Charge", new Echo("pay"));
        Assert.Equal("1", reply.Node);
        Assert.Equal(1, handled.GetValueOrDefault("0")); // only the held call ran on the draining node
        release.SetResult();
        await held;
        await stopping;
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public async Task A_handlers_own_503_is_retried_only_for_an_endpoint_published_as_idempotent(bool idempotent, int expectedRuns)
    {
        await using var cluster = new TestCluster();
        var runs = 0;
        for (var i = 0; i < 2; i++)
            await cluster.StartNodeAsync("busy", b => b.Handle<Echo, EchoReply>("Busy.Get", (Func<Echo, CallContext, EchoReply>)((req, ctx) =>
            {
                if (Interlocked.Increment(ref runs) == 1) throw MicroException.Unavailable("busy.overloaded", "try later");
                return new EchoReply("ok", "");
            }), idempotent));
        var published = (await cluster.Registry.GetServiceAsync("busy")).Single().Endpoints.Single();
        Assert.Equal(idempotent, published.Metadata.TryGetValue(EndpointMetadata.Idempotent, out var flag) && flag == "true");

        await using var client = cluster.CreateClient(new ClientOptions { Retries = 1 });
        if (idempotent)
            Assert.Equal("ok", (await client.CallAsync<Echo, EchoReply>("busy", "Busy.Get", new Echo("x"))).Text);
        else
        {
            var error = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<Echo, EchoReply>("busy", "Busy.Get", new Echo("x")));
            Assert.Equal(("busy.overloaded", 503), (error.Id, error.Code));
        }
        Assert.Equal(expectedRuns, runs);
        // The node answered: it is healthy, whatever its handler said.
        Assert.All(cluster.Nodes, n => Assert.False(client.Health.IsFailed(n.Address)));
    }

    [Fact]
    public async Task A_reply_that_cannot_be_decoded_is_a_client_error_and_no_node_failure()
    {
        await using var cluster = new TestCluster();
        var runs = 0;
        var node = await cluster.StartNodeAsync("shape", b => b.Handle<Echo, EchoReply>("Shape.Get", (req, ctx) =>
        {
            Interlocked.Increment(ref runs);
            return new EchoReply("an object", "n");
        }));
        await using var client = cluster.CreateClient(new ClientOptions { Retries = 2 });
        // The caller expects a JSON string; the server answers an object.
        var error = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<Echo, string>("shape", "Shape.Get", new Echo("x")));
        Assert.Equal(ErrorCodes.ResponseMalformed, error.Id);
        Assert.Equal(1, runs);
        Assert.False(client.Health.IsFailed(node.Address));
    }

    [Fact]
    public async Task A_retry_goes_to_a_different_address_not_just_a_different_node_id()
    {
        await using var cluster = new TestCluster(new NoDeregisterRegistry(new MemoryRegistry()));
        var live = await cluster.StartNodeAsync("twin", b => b.Handle<Echo, EchoReply>("Twin.Get", (req, ctx) => new EchoReply("live", "")));
        // One dead process registered twice under two ids (a restart that left its old record behind).
        var dead = "127.0.0.1:" + GeneratedClientTests.FreePort();
        foreach (var id in new[] { "ghost-a", "ghost-b" })
            await cluster.Registry.RegisterAsync(new ServiceInfo { Name = "twin", Nodes = [new NodeInfo { Id = id, Address = dead }], Endpoints = [new EndpointInfo { Name = "Twin.Get" }] });
        await using var client = cluster.CreateClient(new ClientOptions { Retries = 1 }, new PreferringSelector(n => n.Address == dead));

        var reply = await client.CallAsync<Echo, EchoReply>("twin", "Twin.Get", new Echo("x"));
        Assert.Equal("live", reply.Text);
        Assert.True(client.Health.IsFailed(dead));
        Assert.False(client.Health.IsFailed(live.Address));
    }

    /// <summary>
    /// Real HTTP/2 frames on a real socket. SocketsHttpHandler itself resends a stream the server did not process
    /// (REFUSED_STREAM, or above a GOAWAY's last stream id, before any response byte): three more times, on the same
    /// connection after REFUSED_STREAM and on a new one after GOAWAY, to the same node. Only then does the client see the
    /// failure, and it moves the call to another node even when it is not idempotent: nothing ran.
    /// </summary>
    [Theory]
    [InlineData(Http2Refusal.RefusedStream, 1)]
    [InlineData(Http2Refusal.GoAwayBelowStream, 4)]
    public async Task A_stream_the_node_refused_moves_even_a_non_idempotent_call_to_another_node(Http2Refusal refusal, int connections)
    {
        await using var cluster = new TestCluster();
        var runs = 0;
        var live = await StartChargingNodeAsync(cluster, () => Interlocked.Increment(ref runs));
        await using var refusing = new RefusingHttp2Server(refusal);
        await RegisterAsync(cluster, refusing);
        await using var client = cluster.CreateClient(new ClientOptions { Retries = 1 }, new PreferringSelector(n => n.Address == refusing.Address));

        var reply = await client.CallAsync<Echo, EchoReply>("refuse", "Refuse.Charge", new Echo("x"), new CallOptions { Idempotent = false });
        Assert.Equal("charged", reply.Text);
        Assert.Equal(1, runs); // exactly once, on the node that processed it
        Assert.Equal((4, connections), (refusing.StreamsRefused, refusing.ConnectionsAccepted)); // the handler's own resends
        Assert.True(client.Health.IsFailed(refusing.Address));
        Assert.False(client.Health.IsFailed(live.Address));
    }

    [Fact]
    public async Task A_stream_a_GOAWAY_covered_and_then_lost_may_have_run_and_is_not_moved_unless_idempotent()
    {
        await using var cluster = new TestCluster();
        var runs = 0;
        await StartChargingNodeAsync(cluster, () => Interlocked.Increment(ref runs));
        await using var dropping = new RefusingHttp2Server(Http2Refusal.GoAwayCoveringStreamThenClose);
        await RegisterAsync(cluster, dropping);
        await using var client = cluster.CreateClient(new ClientOptions { Retries = 1 }, new PreferringSelector(n => n.Address == dropping.Address));

        var error = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<Echo, EchoReply>("refuse", "Refuse.Charge", new Echo("x")));
        Assert.Equal((ErrorCodes.Unavailable, 503), (error.Id, error.Code));
        Assert.Equal((1, 0), (dropping.StreamsRefused, runs)); // sent once, never resent anywhere
        Assert.True(client.Health.IsFailed(dropping.Address));

        var reply = await client.CallAsync<Echo, EchoReply>("refuse", "Refuse.Charge", new Echo("x"), new CallOptions { Idempotent = true });
        Assert.Equal(("charged", 1), (reply.Text, runs));
    }

    private static Task<MicroApp> StartChargingNodeAsync(TestCluster cluster, Action charged) =>
        cluster.StartNodeAsync("refuse", b => b.Handle<Echo, EchoReply>("Refuse.Charge", (req, ctx) =>
        {
            charged();
            return new EchoReply("charged", "live");
        }));

    private static Task RegisterAsync(TestCluster cluster, RefusingHttp2Server server) =>
        cluster.Registry.RegisterAsync(new ServiceInfo
        {
            Name = "refuse", Nodes = [new NodeInfo { Id = "refusing", Address = server.Address }], Endpoints = [new EndpointInfo { Name = "Refuse.Charge" }],
        });
}
