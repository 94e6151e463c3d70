using System.Text.Json;
using Micro.Cli.Output;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Commands;

/// <summary><c>services</c>, <c>describe</c>, <c>health</c> and <c>watch</c> against real nodes over mDNS.</summary>
[Collection(nameof(ServicesCollection))]
public sealed class RegistryCommandTests(ServicesFixture services)
{
    private TestNetwork Net => services.Network;

    [Fact]
    public async Task Services_Table_ListsBoth()
    {
        var result = await Net.MicroAsync("services");
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("greeter ", StringComparison.Ordinal) && l.Contains("Greeter.Hello, Greeter.Chat", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("inventory ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Services_Json_HasNodesAndEndpoints()
    {
        var result = await Net.MicroAsync("services", "--output", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var all = JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray().ToList();
        var greeter = all.Single(s => s.GetProperty("name").GetString() == "greeter");
        Assert.Equal(1, greeter.GetProperty("nodes").GetArrayLength());
        Assert.Equal(["Greeter.Hello", "Greeter.Chat"], greeter.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Describe_ShowsNodesEndpointKindsAndTypes()
    {
        var result = await Net.MicroAsync("describe", "greeter");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("greeter latest", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"Greeter\.Hello\s+unary\s+Greeter\.HelloRequest\s+Greeter\.HelloReply", result.Stdout);
        Assert.Matches(@"Greeter\.Chat\s+bidi stream", result.Stdout);
        Assert.Matches(@"greeter-\w+\s+127\.0\.0\.1:\d+", result.Stdout);
    }

    [Fact]
    public async Task Describe_UnknownService_Exit3()
    {
        var result = await Net.MicroAsync("describe", "nosuchservice", "-o", "json");
        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Equal("micro.service.not_found", JsonDocument.Parse(Assert.Single(result.ErrorLines)).RootElement.GetProperty("error").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Health_EveryNodeAnswers_Exit0()
    {
        var result = await Net.MicroAsync("health", "greeter", "-o", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var node = Assert.Single(JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray());
        Assert.Equal("serving", node.GetProperty("status").GetString()); // every Micro node serves grpc.health.v1 (registered, not draining)
    }

    [Fact]
    public async Task Health_UnknownService_Exit3()
    {
        var result = await Net.MicroAsync("health", "nosuchservice");
        CallCommandTests.AssertOneLineError(result, ExitCodes.NotFound, "micro.service.not_found");
    }

    [Fact]
    public async Task Watch_SeesANodeArriveAndLeave()
    {
        var name = "watched" + Guid.NewGuid().ToString("N")[..6];
        var watch = Net.StartDotnet(Paths.Cli, "watch", name, "-o", "json");
        var ready = await WaitForStderrAsync(watch, "watching the mdns registry");
        Assert.True(ready, watch.Stderr);
        var node = Net.StartDotnet(Paths.Inventory, "--name", name);
        var created = JsonDocument.Parse(await watch.WaitForLineAsync(_ => true, TimeSpan.FromSeconds(30))).RootElement;
        Assert.Equal("Create", created.GetProperty("type").GetString());
        Assert.Equal(name, created.GetProperty("service").GetProperty("name").GetString());
        Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));
        var deleted = JsonDocument.Parse(await watch.WaitForLineAsync(l => l.Contains("\"Delete\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30))).RootElement;
        Assert.Equal(name, deleted.GetProperty("service").GetProperty("name").GetString());
        Assert.Equal(0, await watch.TerminateAsync(TimeSpan.FromSeconds(10))); // Ctrl+C / SIGTERM ends a watch normally
    }

    private static async Task<bool> WaitForStderrAsync(ChildProcess child, string text)
    {
        for (var i = 0; i < 200; i++)
        {
            if (child.Stderr.Contains(text, StringComparison.Ordinal)) return true;
            await Task.Delay(50);
        }
        return false;
    }
}
