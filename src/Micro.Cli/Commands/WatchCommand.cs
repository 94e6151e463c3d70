using System.CommandLine;
using System.Globalization;
using Micro.Cli.Hosting;
using Micro.Cli.Output;

namespace Micro.Cli.Commands;

/// <summary><c>micro watch [service]</c>: registry changes as they happen, one line each, until Ctrl+C.</summary>
public static class WatchCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var service = new Argument<string?>("service") { Description = "only this service (default: all)", Arity = ArgumentArity.ZeroOrOne };
        var count = new Option<int?>("--count") { Description = "exit after this many events" };
        var command = new Command("watch", "Print registry changes (create, update, delete of nodes) as they happen, until Ctrl+C") { service, count };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var limit = parse.GetValue(count);
            if (limit is <= 0) throw CliException.Usage("cli.usage", "--count must be positive");
            var seen = 0;
            // Subscribe before saying so: a script that waits for the first line may then start a node.
            var events = cli.Services.Registry.WatchAsync(parse.GetValue(service), ct).GetAsyncEnumerator(ct);
            try
            {
                var next = events.MoveNextAsync();
                cli.Error.WriteLine($"watching the {cli.Services.Registry.Name} registry (Ctrl+C to stop)");
                cli.Error.Flush();
                while (await next.ConfigureAwait(false))
                {
                    var e = events.Current;
                    if (cli.Json) cli.WriteJson(e, CliJsonContext.Default.RegistryEvent);
                    else
                    {
                        foreach (var node in e.Service.Nodes.DefaultIfEmpty())
                            cli.Out.WriteLine(string.Join("  ", e.Timestamp.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),
                                e.Type.ToString().ToLowerInvariant(), e.Service.Name, e.Service.Version, node?.Id ?? "-", node?.Address ?? "-"));
                        cli.Out.Flush();
                    }
                    if (limit is { } l && ++seen >= l) return ExitCodes.Ok;
                    next = events.MoveNextAsync();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C is how a watch ends.
            }
            finally
            {
                await events.DisposeAsync().ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
