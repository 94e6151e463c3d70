using System.CommandLine;
using Micro.Cli.Mcp;
using Micro.Cli.Output;
using Micro.Errors;

namespace Micro.Cli.Tests.Commands;

/// <summary>Every command has --help and --output json; exit codes and tool names follow the documented rules.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        void Walk(Command command, string path)
        {
            data.Add(path);
            foreach (var sub in command.Subcommands) Walk(sub, (path + " " + sub.Name).Trim());
        }
        Walk(MicroCli.Create(), "");
        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task EveryCommand_HasHelp_AndTheJsonOutputOption(string path)
    {
        var args = path.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("--help").ToArray();
        var output = new StringWriter();
        var code = await MicroCli.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output });
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--output <text|json>", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CommandSet_IsTheDocumentedOne()
    {
        var names = MicroCli.Create().Subcommands.Select(c => c.Name).ToList();
        Assert.Equal(["services", "describe", "watch", "call", "stream", "publish", "subscribe", "health", "store", "config", "new", "dashboard", "mcp", "auth"], names);
    }

    [Theory]
    [InlineData(404, ExitCodes.NotFound)]
    [InlineData(400, ExitCodes.Rejected)]
    [InlineData(401, ExitCodes.Rejected)]
    [InlineData(408, ExitCodes.Timeout)]
    [InlineData(499, ExitCodes.Interrupted)]
    [InlineData(500, ExitCodes.ServiceError)]
    [InlineData(503, ExitCodes.Unavailable)]
    public void ExitCodes_FollowTheErrorCode(int code, int exit) =>
        Assert.Equal(exit, ExitCodes.For(new MicroException("x", code, "d")));

    [Theory]
    [InlineData("greeter", "Greeter.Hello", "greeter.Greeter.Hello")]
    [InlineData("my service", "A.B", "my_service.A.B")]
    [InlineData("café", "A.B", "caf_.A.B")]
    public void ToolNames_AreServiceDotEndpoint_WithSafeCharacters(string service, string endpoint, string tool) =>
        Assert.Equal(tool, McpTools.ToolName(service, endpoint));

    [Fact]
    public void Tools_SkipStreams_AndUseAPublishedSchema()
    {
        var tools = McpTools.From([new Registry.ServiceInfo
        {
            Name = "s",
            Nodes = [new Registry.NodeInfo { Id = "n", Address = "127.0.0.1:1" }],
            Endpoints =
            [
                new Registry.EndpointInfo { Name = "A.Unary", Metadata = new Dictionary<string, string> { ["request.schema"] = """{"type":"object","properties":{"id":{"type":"string"}}}""" } },
                new Registry.EndpointInfo { Name = "A.Chat", Metadata = new Dictionary<string, string> { ["stream"] = "bidi" } },
                new Registry.EndpointInfo { Name = "A.Bad", Metadata = new Dictionary<string, string> { ["request.schema"] = "{not json" } },
            ],
        }]);
        Assert.Equal(["s.A.Bad", "s.A.Unary"], tools.Tools.Select(t => t.Name));
        Assert.True(tools.Tools[1].InputSchema.TryGetProperty("properties", out _));
        Assert.Equal("""{"type":"object","additionalProperties":true}""", tools.Tools[0].InputSchema.GetRawText());
    }
}
