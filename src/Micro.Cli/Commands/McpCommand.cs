using System.CommandLine;
using Micro.Cli.Discovery;
using Micro.Cli.Hosting;
using Micro.Cli.Mcp;
using Micro.Cli.Output;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace Micro.Cli.Commands;

/// <summary><c>micro mcp</c>: an MCP server on stdio whose tools are the registry's endpoints.</summary>
public static class McpCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var timeout = new Option<string?>("--timeout", "-t") { Description = "deadline of each tool call (default 30s)" };
        var command = new Command("mcp", "Serve the Model Context Protocol on stdin/stdout: every endpoint in the registry is a tool; the list follows the registry live") { timeout };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var callTimeout = TimeSpan.FromSeconds(30);
            if (parse.GetValue(timeout) is { } text && (!MicroDuration.TryParse(text, out callTimeout) || callTimeout <= TimeSpan.Zero))
                throw CliException.Usage("cli.timeout.malformed", $"--timeout '{text}' is not a positive duration");
            await using var view = new RegistryView(cli.Services.Registry, cli.Services.Logging.CreateLogger("Micro.Cli.Mcp"));
            await view.StartAsync(ct).ConfigureAwait(false);
            var server = new McpToolServer(view, cli.Services.Client, cli.Services.Logging) { CallTimeout = callTimeout };
            await server.RunAsync(new StdioServerTransport("micro", cli.Services.Logging), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
