using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Micro.Client;
using Micro.Errors;
using Micro.Registry;
using Micro.Selector;
using Micro.Server;
using Micro.Tests.Shared.Selector;

namespace Micro.Tests.Rpc;

/// <summary>Nodes that stop answering without closing anything: a frozen process (SIGSTOP), a connection that never completes.</summary>
public class SilentNodeTests
{
    private static ServiceInfo Service(IEnumerable<NodeInfo> nodes) => new()
    {
        Name = "rpcnode",
        Nodes = nodes.ToList(),
        Endpoints = [new EndpointInfo { Name = "Node.Charge" }, new EndpointInfo { Name = "Node.Echo", Metadata = new Dictionary<string, string> { [EndpointMetadata.Idempotent] = "true" } }],
    };

    [Fact]
    public async Task With_one_of_three_nodes_frozen_1000_idempotent_calls_all_succeed_and_few_pay_a_timeout()
    {
        var nodes = new List<NodeProcess>();
        try
        {
            for (var i = 0; i < 3; i++) nodes.Add(await NodeProcess.StartAsync("n" + i));
            var selector = new CountingSelector(new PowerOfTwoChoicesSelector());
            await using var client = TestCluster.CreateClient(new FixedRegistry(Service(nodes.Select(n => n.Node))), selector,
                options: new ClientOptions { Timeout = TimeSpan.FromSeconds(2) });
            // Connections to every node are open and warm, as in a service that has been running.
            for (var i = 0; i < 60; i++) await client.CallAsync<Charge, ChargeReply>("rpcnode", "Node.Echo", new Charge(i));

            nodes[0].Signal(PosixSignal.Stop);
            selector.Reset(); // nothing is in flight: the warm-up's calls were awaited one by one
            const int Workers = 4;
            var slow = 0;
            var served = new int[3];
            var next = 0;
            async Task Worker()
            {
                while (Interlocked.Increment(ref next) is var n && n <= 1000)
                {
                    var started = Stopwatch.GetTimestamp();
                    var reply = await client.CallAsync<Charge, ChargeReply>("rpcnode", "Node.Echo", new Charge(n)); // throws if any call fails
                    Assert.Equal(n, reply.Seq);
                    Interlocked.Increment(ref served[int.Parse(reply.Node[1..], System.Globalization.CultureInfo.InvariantCulture)]);
                    if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromMilliseconds(900)) Interlocked.Increment(ref slow);
                }
            }
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(Worker))).WaitAsync(TimeSpan.FromSeconds(120));

            Assert.Equal(0, served[0]);
            Assert.Equal(1000, served[1] + served[2]);
            // A call pays (half) the timeout exactly when an attempt of it goes to the frozen node; none may, if p2c finds
            // the others cheaper all along. Only calls headed there before the client learnt of the freeze may: at most
            // one per worker (the first to time out quarantines the node), and one more per expiry of its 10 s quarantine
            // on a machine slow enough to need it. Counted at the selector, not by the clock: a machine that stalls for a
            // second under other tests' load makes every worker's call slow without any of them going near the frozen
            // node (CI once saw 8 calls over 900 ms).
            var paid = selector.Picks(nodes[0].Node.Address);
            Assert.True(paid <= Workers + 2, $"{paid} attempts went to the frozen node ({slow} calls took over 900 ms)");
            // Not asserted: that the frozen node is still quarantined now. Its quarantine (10 s) may run out before
            // 1,000 calls finish on a loaded machine; served[0] == 0 above already says no call reached it.
        }
        finally
        {
            foreach (var node in nodes) node.Dispose();
        }
    }

    [Fact]
    public async Task Keep_alive_pings_fail_a_call_to_a_frozen_node_long_before_its_deadline()
    {
        using var node = await NodeProcess.StartAsync("frozen");
        await using var client = TestCluster.CreateClient(new FixedRegistry(Service([node.Node])), options: new ClientOptions
        {
            Timeout = TimeSpan.FromSeconds(60),
            KeepAliveInterval = TimeSpan.FromSeconds(1),
            KeepAliveTimeout = TimeSpan.FromSeconds(1),
            Retries = 0,
        });
        await client.CallAsync<Charge, ChargeReply>("rpcnode", "Node.Echo", new Charge(1));
        node.Signal(PosixSignal.Stop);

        var started = Stopwatch.GetTimestamp();
        var error = await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<Charge, ChargeReply>("rpcnode", "Node.Charge", new Charge(2)));
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.Equal((ErrorCodes.Unavailable, 503), (error.Id, error.Code));
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"took {elapsed}: the keep-alive did not notice the frozen node");
        Assert.True(client.Health.IsFailed(node.Address));
    }

    [Fact]
    public async Task A_connection_that_cannot_be_made_fails_over_at_once_even_for_a_non_idempotent_call()
    {
        // A listener whose accept queue is full and never drained: the kernel drops further SYNs, so a connect hangs.
        using var blackhole = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blackhole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blackhole.Listen(0);
        var port = ((IPEndPoint)blackhole.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try { await filler.ConnectAsync(IPAddress.Loopback, port, cts.Token); } catch (OperationCanceledException) { break; }
            }

            await using var cluster = new TestCluster(new NoDeregisterRegistry(new MemoryRegistry()));
            var runs = 0;
            await cluster.StartNodeAsync("pay", b => b.Handle<Echo, EchoReply>("Pay.Charge", (req, ctx) => { Interlocked.Increment(ref runs); return new EchoReply("paid", ""); }));
            var hole = $"127.0.0.1:{port}";
            await cluster.Registry.RegisterAsync(new ServiceInfo { Name = "pay", Nodes = [new NodeInfo { Id = "hole", Address = hole }], Endpoints = [new EndpointInfo { Name = "Pay.Charge" }] });
            await using var client = cluster.CreateClient(new ClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(500), Retries = 1 },
                new PreferringSelector(n => n.Address == hole));

            var started = Stopwatch.GetTimestamp();
            var reply = await client.CallAsync<Echo, EchoReply>("pay", "Pay.Charge", new Echo("x"));
            Assert.Equal("paid", reply.Text);
            Assert.Equal(1, runs);
            Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5));
            Assert.True(client.Health.IsFailed(hole));
        }
        finally
        {
            foreach (var filler in fillers) filler.Dispose();
        }
    }
}
