using System.CommandLine;
using System.Net;
using Micro.Cli.Discovery;
using Micro.Cli.Hosting;
using Micro.Cli.Mcp;
using Micro.Cli.Messaging;
using Micro.Cli.Output;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace Micro.Cli.Commands;

/// <summary><c>micro mcp</c>: an MCP server on stdio (or Streamable HTTP with <c>--http</c>) whose tools are the registry's endpoints and publish.</summary>
public static class McpCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var timeout = new Option<string?>("--timeout", "-t") { Description = "deadline of each tool call (default 30s)" };
        var http = new Option<string?>("--http")
        {
            Description = "serve MCP's Streamable HTTP transport at http://ADDRESS/mcp instead of stdio, e.g. 127.0.0.1:8083 (port 0: any free port); with MICRO_AUTH=jwt it needs a bearer token for the audience micro.mcp",
            HelpName = "ip:port",
        };
        var command = new Command("mcp", "Serve the Model Context Protocol on stdin/stdout (or over HTTP with --http): every endpoint in the registry is a tool, plus publish; the list follows the registry live")
        {
            timeout, http,
        };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var callTimeout = CallOptionsParser.ParseDuration("--timeout", parse.GetValue(timeout)) ?? TimeSpan.FromSeconds(30);
            IPEndPoint? endpoint = null;
            if (parse.GetValue(http) is { } address && !IPEndPoint.TryParse(address, out endpoint))
                throw CliException.Usage("cli.address.malformed", $"--http '{address}' must be an IP address and port, e.g. 127.0.0.1:8083");
            await using var view = new RegistryView(cli.Services.Registry, cli.Services.Logging.CreateLogger("Micro.Cli.Mcp"));
            await view.StartAsync(ct).ConfigureAwait(false);
            var server = new McpToolServer(view, cli.Services.Client, JsonPublisher.For(cli.Services), cli.Services.Logging) { CallTimeout = callTimeout };
            if (endpoint is null)
            {
                await server.RunAsync(new StdioServerTransport("micro", cli.Services.Logging), ct).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var authOn = cli.Services.Provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Auth.AuthOptions>>().Value.Enabled;
            if (!authOn && !IPAddress.IsLoopback(endpoint.Address))
                cli.Error.WriteLine($"micro: warning: MCP on {endpoint} can call every service and has no auth (MICRO_AUTH); anyone who reaches it can use it");
            await using var host = await McpHttpServer.StartAsync(server, endpoint, authOn ? cli.Services.Provider.GetRequiredService<Auth.IAuth>() : null, cli.Services.Logging, ct).ConfigureAwait(false);
            if (cli.Json) cli.Out.WriteLine($"{{\"url\":\"{host.Url}\"}}");
            else cli.Out.WriteLine($"mcp: {host.Url} (Streamable HTTP{(authOn ? ", bearer token for audience " + McpHttpServer.Audience : "")}; Ctrl+C to stop)");
            cli.Out.Flush();
            try { await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            return ExitCodes.Ok;
        });
        return command;
    }
}
