using System.CommandLine;
using System.Globalization;
using Micro.Cli.Calls;
using Micro.Cli.Discovery;
using Micro.Cli.Hosting;
using Micro.Cli.Output;

namespace Micro.Cli.Commands;

/// <summary><c>micro health &lt;service&gt;</c>: checks every node directly; exit code 5 when any node is not healthy.</summary>
public static class HealthCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var service = new Argument<string>("service") { Description = "service name" };
        var timeout = new Option<string?>("--timeout", "-t") { Description = "per-node budget (default 2s)" };
        var command = new Command("health", "Check every node of a service (gRPC health, else reachability); exit code 5 if any node is unhealthy") { service, timeout };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var probe = new HealthProbe(cli.Services.Client);
            if (parse.GetValue(timeout) is { } text)
            {
                if (!MicroDuration.TryParse(text, out var budget) || budget <= TimeSpan.Zero)
                    throw CliException.Usage("cli.timeout.malformed", $"--timeout '{text}' is not a positive duration");
                probe = new HealthProbe(cli.Services.Client) { Timeout = budget };
            }
            var versions = await RegistryQueries.GetAsync(cli.Services.Registry, parse.GetValue(service)!, ct).ConfigureAwait(false);
            var reports = await probe.CheckAsync(versions, ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(reports, CliJsonContext.Default.IReadOnlyListNodeHealthReport);
            else TableWriter.Write(cli.Out, ["NODE", "VERSION", "ADDRESS", "STATUS", "LATENCY", "DETAIL"], reports.Select(r => (IReadOnlyList<string>)[
                r.Node, r.Version, r.Address, r.Status, r.LatencyMs.ToString("0.0", CultureInfo.InvariantCulture) + " ms", r.Detail ?? ""]));
            return reports.All(r => HealthProbe.IsHealthy(r.Status)) ? ExitCodes.Ok : ExitCodes.Unavailable;
        });
        return command;
    }
}
