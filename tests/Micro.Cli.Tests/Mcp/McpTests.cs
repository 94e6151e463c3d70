using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Mcp;

/// <summary>
/// <c>micro mcp</c> with an independent client, the official MCP TypeScript SDK: the tools list greeter.Greeter.Hello,
/// calling it with Ada answers Hello Ada, bad input is a tool error, and the list follows the registry live
/// (notifications/tools/list_changed when a service starts and when it stops).
/// </summary>
public sealed class McpTests : IAsyncLifetime
{
    private readonly TestNetwork _network = new();

    public Task InitializeAsync() => _network.InitializeAsync();

    public Task DisposeAsync() => _network.DisposeAsync();

    [Fact]
    public async Task Mcp_ToolsAreEndpoints_CallsGoThroughMicro_ListFollowsTheRegistry()
    {
        _network.StartDotnet(Paths.Greeter);
        await _network.WaitForNodesAsync("greeter", 1);

        await using var client = NodeScript.Start(_network, "mcp.mjs", "dotnet", Paths.Cli, "mcp");
        var listed = await client.StepAsync("listed");
        var tools = listed.GetProperty("tools").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("greeter.Greeter.Hello", tools);
        Assert.Contains("publish", tools);
        Assert.DoesNotContain("greeter.Greeter.Chat", tools); // a stream is not one request, one reply
        Assert.Contains("Greeter.HelloRequest", listed.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("object", listed.GetProperty("inputSchema").GetProperty("type").GetString());
        Assert.True(listed.GetProperty("capabilities").GetProperty("tools").GetProperty("listChanged").GetBoolean());

        var called = await client.StepAsync("called");
        Assert.False(called.GetProperty("isError").GetBoolean());
        Assert.Equal("""{"message":"Hello Ada"}""", called.GetProperty("text").GetString());

        var wrong = await client.StepAsync("wrong-types");
        Assert.True(wrong.GetProperty("isError").GetBoolean());
        Assert.Contains("micro.payload.malformed", wrong.GetProperty("text").GetString(), StringComparison.Ordinal);

        var unknown = await client.StepAsync("unknown-tool");
        Assert.True(unknown.GetProperty("isError").GetBoolean());

        await client.StepAsync("start-inventory");
        var inventory = _network.StartDotnet(Paths.Inventory, "--name", "inventory");
        await client.ContinueAsync();
        var grown = await client.StepAsync("inventory");
        Assert.Contains("inventory.Items.Get", grown.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        Assert.True(grown.GetProperty("notifications").GetInt32() >= 1, grown.ToString());
        Assert.Equal("""{"id":"a1","name":"item a1","count":2}""", grown.GetProperty("text").GetString());

        await client.StepAsync("stop-inventory");
        Assert.Equal(0, await inventory.TerminateAsync(TimeSpan.FromSeconds(30)));
        await client.ContinueAsync();
        var stopped = await client.StepAsync("stopped");
        Assert.DoesNotContain(stopped.GetProperty("tools").EnumerateArray(), t => t.GetString()!.StartsWith("inventory.", StringComparison.Ordinal));
        Assert.True(stopped.GetProperty("notifications").GetInt32() >= 1, stopped.ToString());
        Assert.Equal(0, await client.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
