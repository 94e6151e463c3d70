using System.CommandLine;
using Micro.Cli.Calls;
using Micro.Cli.Discovery;
using Micro.Cli.Hosting;
using Micro.Cli.Output;
using Micro.Registry;

namespace Micro.Cli.Commands;

/// <summary><c>micro describe &lt;service&gt;</c>: every version, its nodes, and its endpoints with request and response shapes.</summary>
public static class DescribeCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var service = new Argument<string>("service") { Description = "service name, e.g. greeter" };
        var command = new Command("describe", "Show a service: versions, nodes, endpoints with request and response types (and schemas when published)") { service };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var versions = await RegistryQueries.GetAsync(cli.Services.Registry, parse.GetValue(service)!, ct).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(versions, CliJsonContext.Default.IReadOnlyListServiceInfo);
                return ExitCodes.Ok;
            }
            foreach (var v in versions) Describe(cli.Out, v);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Describe(TextWriter output, ServiceInfo service)
    {
        output.WriteLine($"{service.Name} {service.Version}");
        foreach (var (key, value) in service.Metadata) output.WriteLine($"  {key}={value}");
        output.WriteLine("nodes:");
        TableWriter.Write(output, ["  ID", "ADDRESS", "METADATA"],
            service.Nodes.Select(n => (IReadOnlyList<string>)["  " + n.Id, n.Address, string.Join(" ", n.Metadata.Select(m => $"{m.Key}={m.Value}"))]));
        output.WriteLine("endpoints:");
        TableWriter.Write(output, ["  NAME", "KIND", "REQUEST", "RESPONSE"],
            service.Endpoints.Select(e => (IReadOnlyList<string>)["  " + e.Name, JsonCaller.StreamKind(e) is { } kind ? kind + " stream" : "unary", e.Request, e.Response]));
        foreach (var endpoint in service.Endpoints)
        {
            if (EndpointSchema.Request(endpoint) is { } request) output.WriteLine($"  {endpoint.Name} request schema: {request.GetRawText()}");
            if (EndpointSchema.Response(endpoint) is { } response) output.WriteLine($"  {endpoint.Name} response schema: {response.GetRawText()}");
        }
    }
}
