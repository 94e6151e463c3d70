using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Dashboard;

/// <summary>
/// The dashboard in a real headless chromium (Debian's, driven by playwright-core): it lists the greeter and its two nodes,
/// its form calls Greeter.Hello with Ada and shows Hello Ada, a malformed request shows an error, health turns green, and a
/// node that stops disappears without a reload. It tails a topic and publishes to it from the page, and messages published
/// by <c>micro publish</c> and by a real service's client show up in the page's tail too. Screenshots go to
/// tests/Micro.Cli.Tests/artifacts/.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private const string Topic = "dashboard.events";

    private readonly TestNetwork _network = new();

    public Task InitializeAsync() => _network.InitializeAsync();

    public Task DisposeAsync() => _network.DisposeAsync();

    [Fact]
    public async Task Dashboard_ListsCallsAndFollowsTheRegistry()
    {
        _network.StartDotnet(Paths.Greeter);
        await _network.WaitForNodesAsync("greeter", 1);
        var first = System.Text.Json.JsonDocument.Parse((await _network.MicroAsync("describe", "greeter", "-o", "json")).Stdout)
            .RootElement[0].GetProperty("nodes")[0].GetProperty("id").GetString();
        var second = _network.StartDotnet(Paths.Greeter);
        _network.StartDotnet(Paths.Inventory, "--name", "inventory");
        await _network.WaitForNodesAsync("greeter", 2);
        await _network.WaitForNodesAsync("inventory", 1);

        var dashboard = _network.StartDotnet(Paths.Cli, "dashboard", "--address", "127.0.0.1:0");
        var line = await dashboard.WaitForLineAsync(l => l.StartsWith("dashboard: http://", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var url = line.Split(' ')[1];

        await using var browser = NodeScript.Start(_network, "dashboard.mjs", url, Paths.Artifacts, Topic);
        var listed = await browser.StepAsync("listed", TimeSpan.FromSeconds(90));
        Assert.Contains("greeter", listed.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(2, listed.GetProperty("nodes").GetArrayLength());

        var called = await browser.StepAsync("called");
        Assert.Contains("Hello Ada", called.GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.False(called.GetProperty("error").GetBoolean());

        var malformed = await browser.StepAsync("malformed");
        Assert.Contains("malformed JSON", malformed.GetProperty("result").GetString(), StringComparison.Ordinal);

        var healthy = await browser.StepAsync("healthy");
        Assert.All(healthy.GetProperty("badges").EnumerateArray(), b => Assert.Equal("serving", b.GetString()));

        var fromPage = await browser.StepAsync("published-from-page");
        Assert.True(Guid.TryParse(fromPage.GetProperty("id").GetString(), out _), fromPage.ToString());
        Assert.Equal("""{"text":"from-page"}""", fromPage.GetProperty("body").GetString());

        await browser.StepAsync("tail-ready");
        var cli = await _network.MicroAsync("publish", Topic, """{"text":"from-cli"}""");
        Assert.True(cli.ExitCode == 0, cli.ToString());
        var service = await _network.MicroAsync("call", "inventory", "Items.Publish", $$"""{"topic":"{{Topic}}","text":"from-service"}""", "-o", "json");
        Assert.True(service.ExitCode == 0, service.ToString());
        var serviceId = System.Text.Json.JsonDocument.Parse(service.Stdout).RootElement.GetProperty("id").GetString()!;
        await browser.SendAsync(System.Text.Json.JsonSerializer.Serialize(new[] { cli.Stdout.Trim(), serviceId }));
        var tailed = (await browser.StepAsync("tailed")).GetProperty("messages").EnumerateArray().ToList();
        Assert.Contains(tailed, m => m.GetProperty("id").GetString() == serviceId && m.GetProperty("source").GetString() == "inventory"
            && m.GetProperty("body").GetString() == """{"text":"from-service"}""");
        Assert.Contains(tailed, m => m.GetProperty("id").GetString() == cli.Stdout.Trim() && m.GetProperty("body").GetString() == """{"text":"from-cli"}""");

        var publishError = await browser.StepAsync("publish-error");
        Assert.Contains("micro.broker.illegal_topic", publishError.GetProperty("result").GetString(), StringComparison.Ordinal);

        await browser.StepAsync("stop-one");
        Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(30)));
        await browser.ContinueAsync();
        var dropped = await browser.StepAsync("dropped");
        Assert.True(dropped.GetProperty("notReloaded").GetBoolean());
        var remaining = Assert.Single(dropped.GetProperty("remaining").EnumerateArray()).GetString();
        Assert.Equal(first, remaining); // the second node was stopped

        var done = await browser.StepAsync("done");
        Assert.Equal(0, done.GetProperty("pageErrors").GetArrayLength());
        Assert.Equal(0, await browser.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(File.Exists(Path.Combine(Paths.Artifacts, "dashboard.png")));
    }
}
