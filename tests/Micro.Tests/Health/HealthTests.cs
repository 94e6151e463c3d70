using System.Net;
using Micro.Client;
using Micro.Health;
using Micro.Tests.Interop;
using Micro.Tests.Rpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Micro.Tests.Health;

public class HealthTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_grpc_js_health_client_sees_serving_then_not_serving_while_draining_and_ready_answers_503()
    {
        await using var cluster = new TestCluster();
        var probePort = GeneratedClientTests.FreePort();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = await cluster.StartNodeAsync("healthy", b =>
        {
            b.Services.Configure<HealthOptions>(o => o.Address = $"127.0.0.1:{probePort}");
            b.Handle<Echo, EchoReply>("Health.Slow", async (req, ctx) =>
            {
                started.TrySetResult();
                await release.Task;
                return new EchoReply("done", "");
            });
        });
        using var http = new HttpClient();
        using var http2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        await WaitUntilReadyAsync(http, probePort);

        using var watcher = NodeClient.Start("health.js", node.Address);
        Assert.Equal("""{"check":"SERVING"}""", await watcher.NextLineAsync(Wait));
        Assert.Equal("""{"watch":"SERVING"}""", await watcher.NextLineAsync(Wait));
        using (var unknown = NodeClient.Start("health.js", node.Address, "no-such-service"))
            Assert.Equal("""{"check":"error","code":5}""", await unknown.NextLineAsync(Wait)); // NOT_FOUND
        Assert.Equal(HttpStatusCode.OK, (await http2.GetAsync($"http://{node.Address}{HealthEndpoints.ReadyPath}")).StatusCode); // on the RPC port too (h2c)

        await using var client = cluster.CreateClient(new ClientOptions { Retries = 0 });
        var inFlight = client.CallAsync<Echo, EchoReply>("healthy", "Health.Slow", new Echo("x"));
        await started.Task.WaitAsync(Wait);
        var stopping = node.StopAsync();

        Assert.Equal("""{"watch":"NOT_SERVING"}""", await watcher.NextLineAsync(Wait));
        var ready = await http.GetAsync($"http://127.0.0.1:{probePort}{HealthEndpoints.ReadyPath}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("\"reason\":\"draining\"", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{probePort}{HealthEndpoints.LivePath}")).StatusCode); // alive while draining
        Assert.False(stopping.IsCompleted);

        release.SetResult();
        Assert.Equal("done", (await inFlight).Text);
        await stopping.WaitAsync(Wait);
        Assert.Equal("""{"end":"ok"}""", await watcher.NextLineAsync(Wait)); // the Watch stream ends cleanly at shutdown
    }

    [Fact]
    public async Task Readiness_follows_registered_health_checks_and_the_probe_port_serves_nothing_else()
    {
        await using var cluster = new TestCluster();
        var probePort = GeneratedClientTests.FreePort();
        var check = new SwitchCheck();
        await cluster.StartNodeAsync("checked", b =>
        {
            b.Services.Configure<HealthOptions>(o => { o.Address = $"127.0.0.1:{probePort}"; o.CheckInterval = TimeSpan.FromMilliseconds(100); });
            b.Services.AddHealthChecks().AddCheck("database", check);
            b.Handle<Echo, EchoReply>("Checked.Echo", (req, ctx) => new EchoReply(req.Text, ""));
        });
        using var http = new HttpClient();
        await WaitUntilReadyAsync(http, probePort);

        check.Healthy = false;
        var until = DateTime.UtcNow + Wait;
        HttpResponseMessage ready;
        do
        {
            await Task.Delay(50); // readiness checks run on an interval (100 ms here): poll for the next round
            ready = await http.GetAsync($"http://127.0.0.1:{probePort}{HealthEndpoints.ReadyPath}");
        }
        while (ready.StatusCode == HttpStatusCode.OK && DateTime.UtcNow < until);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("check database unhealthy: switched off", await ready.Content.ReadAsStringAsync());

        // RPC paths are not served on the probe listener.
        using var post = new StringContent("""{"text":"x"}""", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync($"http://127.0.0.1:{probePort}/checked.Checked/Echo", post)).StatusCode);
    }

    private static async Task WaitUntilReadyAsync(HttpClient http, int probePort)
    {
        var until = DateTime.UtcNow + Wait;
        while (DateTime.UtcNow < until)
        {
            var ready = await http.GetAsync($"http://127.0.0.1:{probePort}{HealthEndpoints.ReadyPath}");
            if (ready.StatusCode == HttpStatusCode.OK) return;
            await Task.Delay(50); // the first round of checks runs right after start
        }
        Assert.Fail("the node never became ready");
    }

    private sealed class SwitchCheck : IHealthCheck
    {
        public volatile bool Healthy = true;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("switched off"));
    }
}
