using System.CommandLine;
using Micro.Cli.Commands;
using Micro.Cli.Hosting;
using Micro.Cli.Output;

namespace Micro.Cli;

/// <summary>The <c>micro</c> command line: every command, the global options, and how parse errors end (exit code 2).</summary>
public static class MicroCli
{
    /// <summary>The root command with every sub-command.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("micro: list, describe, watch and call Micro services; publish and subscribe; store and config; a live dashboard; an MCP server for AI agents.\n" + ExitCodes.Table)
        {
            CliOptions.Output, CliOptions.Verbose, CliOptions.Registry, CliOptions.RegistryAddress,
            ServicesCommand.Create(),
            DescribeCommand.Create(),
            WatchCommand.Create(),
            CallCommand.Create(),
            StreamCommand.Create(),
            PublishCommand.Create(),
            SubscribeCommand.Create(),
            HealthCommand.Create(),
            StoreCommand.Create(),
            ConfigCommand.Create(),
            NewCommand.Create(),
            DashboardCommand.Create(),
            McpCommand.Create(),
            AuthCommand.Create(),
        };
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, not the whole help text: scripts read stderr too.
            var json = parse.GetValue(CliOptions.Output) == OutputFormat.Json;
            var message = parse.Errors[0].Message;
            var command = parse.CommandResult.Command.Name;
            if (json)
                Console.Error.WriteLine(System.Text.Json.JsonSerializer.Serialize(
                    new ErrorView(new ErrorDetail("cli.usage", 0, message, ExitCodes.Usage)), CliJsonContext.Default.ErrorView));
            else Console.Error.WriteLine($"micro: {message} (see: micro {(command == "micro" ? "" : command + " ")}--help)");
            return ExitCodes.Usage;
        }
        using var termination = new CliTermination();
        // Our handler, not System.CommandLine's (see CliTermination).
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, termination.Token).ConfigureAwait(false);
    }
}
