using System.CommandLine;
using System.Net;
using Micro.Cli.Dashboard;
using Micro.Cli.Hosting;
using Micro.Cli.Output;

namespace Micro.Cli.Commands;

/// <summary><c>micro dashboard</c>: the live web page of services, nodes, health and endpoint forms.</summary>
public static class DashboardCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var address = new Option<string>("--address", "-a")
        {
            Description = "where to listen, host:port (port 0: any free port)",
            DefaultValueFactory = _ => "127.0.0.1:8082",
        };
        var command = new Command("dashboard", "Serve the dashboard: services and nodes live from the registry, health per node, a form per endpoint") { address };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var text = parse.GetValue(address)!;
            if (!IPEndPoint.TryParse(text, out var endpoint))
                throw CliException.Usage("cli.address.malformed", $"--address '{text}' must be an IP address and port, e.g. 127.0.0.1:8082");
            if (!IPAddress.IsLoopback(endpoint.Address))
                cli.Error.WriteLine($"micro: warning: the dashboard on {endpoint} can call every service and has no login; anyone who reaches it can use it");
            await using var dashboard = new DashboardServer(cli.Services, endpoint);
            await dashboard.StartAsync(ct).ConfigureAwait(false);
            if (cli.Json) cli.Out.WriteLine($"{{\"url\":\"{dashboard.Url}\"}}");
            else cli.Out.WriteLine($"dashboard: {dashboard.Url} (Ctrl+C to stop)");
            cli.Out.Flush();
            try { await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            return ExitCodes.Ok;
        });
        return command;
    }
}
