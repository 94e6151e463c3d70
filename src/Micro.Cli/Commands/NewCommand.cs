using System.CommandLine;
using Micro.Cli.Hosting;
using Micro.Cli.Output;
using Micro.Cli.Templates;

namespace Micro.Cli.Commands;

/// <summary><c>micro new &lt;name&gt;</c>: a service from the micro-service template (service, config, test project).</summary>
public static class NewCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var template = new ServiceTemplate();
        var name = new Argument<string>("name") { Description = "project name, e.g. Orders (the service is its lower-case form, orders)" };
        var directory = new Option<string?>("--directory", "-d") { Description = "where to create it (default: ./NAME)" };
        var version = new Option<string?>("--micro-version") { Description = $"version of the Micro package to reference (default {template.DefaultOf("MicroVersion")})" };
        var command = new Command("new", "Create a service from the micro-service template (the same files as dotnet new micro-service)") { name, directory, version };
        CliAction.Set(command, (parse, cli, ct) =>
        {
            var project = parse.GetValue(name)!;
            var target = Path.GetFullPath(parse.GetValue(directory) ?? project);
            var parameters = new Dictionary<string, string>();
            if (parse.GetValue(version) is { } v) parameters["MicroVersion"] = v;
            var files = template.Create(project, target, parameters);
            var result = new NewServiceResult(project, project.ToLowerInvariant(), target, files);
            if (cli.Json) cli.WriteJson(result, CliJsonContext.Default.NewServiceResult);
            else
            {
                cli.Out.WriteLine($"created service {result.Service} in {target} ({files.Count} files)");
                cli.Out.WriteLine($"  cd {Path.GetRelativePath(Directory.GetCurrentDirectory(), target)} && dotnet test && dotnet run --project {project}");
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
