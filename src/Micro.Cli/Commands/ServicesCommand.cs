using System.CommandLine;
using Micro.Cli.Calls;
using Micro.Cli.Discovery;
using Micro.Cli.Hosting;
using Micro.Cli.Output;

namespace Micro.Cli.Commands;

/// <summary><c>micro services</c>: every service in the registry with its versions, nodes and endpoints.</summary>
public static class ServicesCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var command = new Command("services", "List the services in the registry (name, version, nodes, endpoints)");
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var services = await RegistryQueries.AllAsync(cli.Services.Registry, ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(services, CliJsonContext.Default.IReadOnlyListServiceInfo);
            else if (services.Count == 0) cli.Out.WriteLine($"no services in the {cli.Services.Registry.Name} registry");
            else TableWriter.Write(cli.Out, ["NAME", "VERSION", "NODES", "ENDPOINTS"],
                services.Select(s => (IReadOnlyList<string>)[s.Name, s.Version, s.Nodes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    string.Join(", ", s.Endpoints.Select(e => e.Name))]));
            return ExitCodes.Ok;
        });
        return command;
    }
}
