using System.CommandLine;
using System.Threading.Channels;
using Micro.Cli.Hosting;
using Micro.Cli.Output;
using Micro.Config;
using Micro.Etcd;
using Microsoft.Extensions.Configuration;

namespace Micro.Cli.Commands;

/// <summary>
/// <c>micro config get|watch &lt;path&gt;</c>: configuration as a service sees it (appsettings.json, environment, an optional
/// JSON file, and etcd when MICRO_CONFIG=etcd with MICRO_CONFIG_ADDRESS, under the service's prefix).
/// </summary>
public static class ConfigCommand
{
    /// <summary>The command and its sub-commands.</summary>
    public static Command Create()
    {
        var file = new Option<string?>("--file", "-f") { Description = "also read this JSON file (last-good, hot reload), after appsettings.json and the environment", Recursive = true };
        var service = new Option<string?>("--service", "-s") { Description = "whose etcd prefix to read with MICRO_CONFIG=etcd (/micro/config/{service}/)", Recursive = true };
        return new Command("config", "Read and watch configuration values by path (database.host or database:host)")
        {
            file, service, Get(file, service), Watch(file, service),
        };
    }

    private static Command Get(Option<string?> file, Option<string?> service)
    {
        var path = new Argument<string>("path") { Description = "dotted path, e.g. greeting.text" };
        var command = new Command("get", "Print the value at a path (a subtree prints as key=value lines)") { path };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var (config, disposable) = Open(cli, parse.GetValue(file), parse.GetValue(service));
            using (disposable)
            {
                var view = View(config.Get(parse.GetValue(path)!));
                if (!view.Exists) throw CliException.NotFound("micro.config.not_found", $"no configuration value at '{parse.GetValue(path)}'");
                Print(cli, view);
            }
            await Task.CompletedTask.ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Watch(Option<string?> file, Option<string?> service)
    {
        var path = new Argument<string>("path") { Description = "dotted path, e.g. greeting.text" };
        var count = new Option<int?>("--count") { Description = "exit after this many changes" };
        var command = new Command("watch", "Print the value at a path now and each time it changes, until Ctrl+C") { path, count };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var (config, disposable) = Open(cli, parse.GetValue(file), parse.GetValue(service));
            using (disposable)
            {
                var changes = Channel.CreateBounded<ConfigValueView>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
                using var watch = config.Watch(parse.GetValue(path)!, value => changes.Writer.TryWrite(View(value)));
                Print(cli, View(config.Get(parse.GetValue(path)!)));
                var seen = 0;
                var limit = parse.GetValue(count);
                try
                {
                    await foreach (var change in changes.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                    {
                        Print(cli, change);
                        if (limit is { } l && ++seen >= l) break;
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Ctrl+C is how a watch ends.
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static (IMicroConfig Config, IDisposable? Root) Open(CliContext cli, string? file, string? service)
    {
        var manager = cli.AddSources(new ConfigurationManager());
        if (file is not null)
        {
            if (!File.Exists(file)) throw CliException.NotFound("cli.file.not_found", $"no file {file}");
            manager.AddMicroJsonFile(Path.GetFullPath(file));
        }
        manager.AddMicroEtcdConfig(service ?? "micro");
        return (new MicroConfig(manager), manager);
    }

    private static ConfigValueView View(ConfigValue value)
    {
        var children = value.Section.AsEnumerable(makePathsRelative: true).Where(p => p.Value is not null && p.Key.Length > 0)
            .OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value!);
        return new ConfigValueView(value.Path, value.Exists, value.Raw, children.Count > 0 ? children : null);
    }

    private static void Print(CliContext cli, ConfigValueView view)
    {
        if (cli.Json) cli.WriteJson(view, CliJsonContext.Default.ConfigValueView);
        else
        {
            if (view.Value is not null) cli.Out.WriteLine(view.Value);
            else if (view.Children is not null) foreach (var (key, value) in view.Children) cli.Out.WriteLine($"{key}={value}");
            else cli.Out.WriteLine("(not set)");
            cli.Out.Flush();
        }
    }
}
