using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Mcp;

/// <summary>
/// <c>micro mcp --http</c> with an independent client, the official MCP TypeScript SDK's Streamable HTTP transport: the
/// tools list greeter.Greeter.Hello and publish, Hello Ada comes back, and a message sent with the publish tool reaches a
/// <c>micro subscribe</c> tail (mDNS and the HTTP broker in a test namespace).
/// </summary>
public sealed class McpHttpTests : IAsyncLifetime
{
    private const string Topic = "mcp.events";

    private readonly TestNetwork _network = new();

    public Task InitializeAsync() => _network.InitializeAsync();

    public Task DisposeAsync() => _network.DisposeAsync();

    [Fact]
    public async Task McpHttp_ListsCallsAndPublishes_ToARealSubscriber()
    {
        _network.StartDotnet(Paths.Greeter);
        await _network.WaitForNodesAsync("greeter", 1);
        var tail = _network.StartDotnet(Paths.Cli, "subscribe", Topic, "--count", "1", "--timeout", "90s");
        await tail.WaitForErrorLineAsync(l => l.StartsWith("subscribed to " + Topic, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var mcp = _network.StartDotnet(Paths.Cli, "mcp", "--http", "127.0.0.1:0");
        var url = (await mcp.WaitForLineAsync(l => l.StartsWith("mcp: http://", StringComparison.Ordinal), TimeSpan.FromSeconds(30))).Split(' ')[1];
        Assert.EndsWith("/mcp", url, StringComparison.Ordinal);

        await using var client = NodeScript.Start(_network, "mcp-http.mjs", url, Topic);
        var listed = await client.StepAsync("listed");
        var tools = listed.GetProperty("tools").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("greeter.Greeter.Hello", tools);
        Assert.Contains("publish", tools);
        Assert.False(string.IsNullOrEmpty(listed.GetProperty("sessionId").GetString())); // a session: its stream carries list changes
        Assert.Equal(["topic", "message"], listed.GetProperty("publishSchema").GetProperty("required").EnumerateArray().Select(r => r.GetString()));

        var called = await client.StepAsync("called");
        Assert.False(called.GetProperty("isError").GetBoolean());
        Assert.Equal("""{"message":"Hello Ada"}""", called.GetProperty("text").GetString());

        var published = await client.StepAsync("published");
        Assert.False(published.GetProperty("isError").GetBoolean(), published.ToString());
        var id = JsonDocument.Parse(published.GetProperty("text").GetString()!).RootElement.GetProperty("id").GetString();

        var bad = await client.StepAsync("publish-bad");
        Assert.True(bad.GetProperty("isError").GetBoolean());
        Assert.Contains("micro.broker.illegal_topic", bad.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await client.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        Assert.True(await tail.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, tail.Stderr);
        var message = JsonDocument.Parse(tail.Stdout).RootElement;
        Assert.Equal(id, message.GetProperty("id").GetString());
        Assert.Equal("from-mcp", message.GetProperty("body").GetProperty("text").GetString());
        Assert.Equal("mcp", message.GetProperty("headers").GetProperty("via").GetString());
    }

    [Fact]
    public async Task McpHttp_ForeignHost_Refused()
    {
        var mcp = _network.StartDotnet(Paths.Cli, "mcp", "--http", "127.0.0.1:0");
        var url = new Uri((await mcp.WaitForLineAsync(l => l.StartsWith("mcp: http://", StringComparison.Ordinal), TimeSpan.FromSeconds(30))).Split(' ')[1]);
        // DNS rebinding: a page of another site that resolves its name to 127.0.0.1 sends its own Host.
        await using var curl = _network.Start("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", $"Host: evil.example:{url.Port}", url.ToString());
        Assert.Equal(0, await curl.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("421", curl.Stdout.Trim());
    }
}

/// <summary>
/// With MICRO_AUTH=jwt, <c>micro mcp --http</c> requires a bearer token for the audience micro.mcp, and its tool calls carry
/// that token, so a greeter enforcing the rules answers one account and refuses another (the accounts and rules in a
/// temporary file store; the HTTP gate in the host namespace, the calls over mDNS in a test namespace).
/// </summary>
public sealed class McpHttpAuthTests : IAsyncLifetime
{
    private readonly string _store = Directory.CreateTempSubdirectory("micro-cli-mcpauth-").FullName;

    private Dictionary<string, string?> Env => new() { ["MICRO_STORE"] = "file", ["MICRO_STORE_ADDRESS"] = _store, ["MICRO_AUTH"] = "jwt" };

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_store, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task McpHttp_AuthOn_NeedsATokenForMicroMcp()
    {
        var secret = await CreateAccountAsync("agent", "agents");
        var forMcp = await TokenAsync("agent", secret, "micro.mcp", "greeter");
        var forGreeterOnly = await TokenAsync("agent", secret, "greeter");

        await using var mcp = HostCli.Start(Env, null, "mcp", "--http", "127.0.0.1:0");
        var line = await mcp.WaitForLineAsync(l => l.StartsWith("mcp: http://", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Contains("bearer token for audience micro.mcp", line, StringComparison.Ordinal);
        var url = new Uri(line.Split(' ')[1]);

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await InitializeAsync(http, url, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await InitializeAsync(http, url, "forged")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await InitializeAsync(http, url, forGreeterOnly)).StatusCode);
        using var accepted = await InitializeAsync(http, url, forMcp);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains("\"serverInfo\"", await accepted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpHttp_ToolCallsCarryTheClientsToken_TheRulesApply()
    {
        var agentSecret = await CreateAccountAsync("agent", "agents");
        var visitorSecret = await CreateAccountAsync("visitor", "visitors");
        var granted = await HostCli.RunAsync(Env, null, null, "auth", "rules", "grant", "agents-greeter", "-r", "service:greeter:*", "--scope", "agents");
        Assert.True(granted.ExitCode == 0, granted.ToString());
        var agent = await TokenAsync("agent", agentSecret, "micro.mcp", "greeter");
        var visitor = await TokenAsync("visitor", visitorSecret, "micro.mcp", "greeter");

        await using var network = new TestNetwork();
        await network.InitializeAsync();
        network.StartWith(Env, "dotnet", Paths.Greeter);
        var mcp = network.StartWith(Env, "dotnet", Paths.Cli, "mcp", "--http", "127.0.0.1:0");
        var url = (await mcp.WaitForLineAsync(l => l.StartsWith("mcp: http://", StringComparison.Ordinal), TimeSpan.FromSeconds(30))).Split(' ')[1];

        await using (var allowed = NodeScript.Start(network, "mcp-http.mjs", url, "agents.events", agent))
        {
            var called = await allowed.StepAsync("called");
            Assert.False(called.GetProperty("isError").GetBoolean(), called.ToString());
            Assert.Equal("""{"message":"Hello Ada"}""", called.GetProperty("text").GetString());
        }
        await using var refused = NodeScript.Start(network, "mcp-http.mjs", url, "visitors.events", visitor);
        var denied = await refused.StepAsync("called");
        Assert.True(denied.GetProperty("isError").GetBoolean(), denied.ToString());
        Assert.Contains("micro.forbidden", denied.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    private async Task<string> CreateAccountAsync(string id, string scope)
    {
        var created = await HostCli.RunAsync(Env, null, null, "auth", "accounts", "create", id, "--scope", scope, "-o", "json");
        Assert.True(created.ExitCode == 0, created.ToString());
        return JsonDocument.Parse(created.Stdout).RootElement.GetProperty("secret").GetString()!;
    }

    private async Task<string> TokenAsync(string account, string secret, params string[] audiences)
    {
        var args = new List<string> { "auth", "token", "--id", account, "--secret", secret, "-o", "json" };
        foreach (var audience in audiences) args.AddRange(["--audience", audience]);
        var token = await HostCli.RunAsync(Env, null, null, [.. args]);
        Assert.True(token.ExitCode == 0, token.ToString());
        return JsonDocument.Parse(token.Stdout).RootElement.GetProperty("accessToken").GetString()!;
    }

    private static Task<HttpResponseMessage> InitializeAsync(HttpClient http, Uri url, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent("""
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}
                """, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }
}
