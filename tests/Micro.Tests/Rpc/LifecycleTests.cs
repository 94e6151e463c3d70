using System.Diagnostics;
using Micro.Client;
using Micro.Errors;
using Micro.Registry;

namespace Micro.Tests.Rpc;

public class LifecycleTests
{
    [Fact]
    public async Task Sigterm_stops_the_greeter_process_cleanly()
    {
        var port = GeneratedClientTests.FreePort();
        using var greeter = ExampleProcess.Start("Greeter", $"--address 127.0.0.1:{port}");
        await ExampleProcess.WaitForPortAsync(port, greeter.Process, TimeSpan.FromSeconds(30));
        await using var client = new MicroClient(new MemoryRegistry());
        var reply = await client.CallAsync<Greeter.HelloRequest, Greeter.HelloReply>("greeter", "Greeter.Hello",
            new Greeter.HelloRequest { Name = "Ada" }, new CallOptions { Address = $"127.0.0.1:{port}" });
        Assert.Equal("Hello Ada", reply.Message);

        Signals.Send(greeter.Process.Id, PosixSignal.Term);
        await greeter.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, greeter.Process.ExitCode);
    }

    [Fact]
    public async Task Stop_deregisters_first_and_drains_a_call_in_flight()
    {
        await using var cluster = new TestCluster();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = await cluster.StartNodeAsync("drain", b => b.Handle<Echo, EchoReply>("Drain.Slow", async (req, ctx) =>
        {
            started.TrySetResult();
            await release.Task;
            return new EchoReply("done", "");
        }));
        await using var client = cluster.CreateClient(new ClientOptions { Retries = 0 });
        var inFlight = client.CallAsync<Echo, EchoReply>("drain", "Drain.Slow", new Echo("x"));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var deregistered = FirstDeleteAsync(cluster.Registry, "drain", watching.Token);
        var stopping = node.StopAsync();
        await deregistered;
        Assert.Empty(await cluster.Registry.GetServiceAsync("drain"));
        // Deregistered, still draining: new calls are refused with 503 so callers go elsewhere.
        var refused = await Assert.ThrowsAsync<MicroException>(() =>
            client.CallAsync<Echo, EchoReply>("drain", "Drain.Slow", new Echo("y"), new CallOptions { Address = node.Address }));
        Assert.Equal((ErrorCodes.Draining, 503), (refused.Id, refused.Code));
        Assert.False(stopping.IsCompleted);

        release.SetResult();
        Assert.Equal("done", (await inFlight).Text);
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task FirstDeleteAsync(IRegistry registry, string service, CancellationToken cancellationToken)
    {
        await foreach (var change in registry.WatchAsync(service, cancellationToken))
            if (change.Type == RegistryEventType.Delete) return;
    }
}
