using System.CommandLine;
using System.Runtime.CompilerServices;
using Micro.Cli.Calls;
using Micro.Cli.Discovery;
using Micro.Cli.Hosting;
using Micro.Cli.Output;

namespace Micro.Cli.Commands;

/// <summary><c>micro stream &lt;service&gt; &lt;endpoint&gt;</c>: one JSON request per stdin line, one JSON reply per stdout line.</summary>
public static class StreamCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var service = new Argument<string>("service") { Description = "service name, e.g. greeter" };
        var endpoint = new Argument<string>("endpoint") { Description = "streaming endpoint, e.g. Greeter.Chat" };
        var kind = new Option<string?>("--kind") { Description = "bidi, server or client (default: what the registry says; bidi with --address)" };
        kind.AcceptOnlyFromAmong("bidi", "server", "client");
        var options = new CallOptionsParser();
        var command = new Command("stream", "Open a stream: one JSON request per line on stdin, one JSON reply per line on stdout; EOF ends the requests") { service, endpoint, kind };
        options.AddTo(command);
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var name = parse.GetValue(service)!;
            var method = parse.GetValue(endpoint)!;
            var callOptions = options.Read(parse);
            var streamKind = parse.GetValue(kind);
            if (streamKind is null && callOptions.Address is null)
            {
                var versions = await RegistryQueries.GetAsync(cli.Services.Registry, name, ct).ConfigureAwait(false);
                var info = RegistryQueries.FindEndpoint(versions, method)
                    ?? throw MicroException.NotFound(Errors.ErrorCodes.EndpointNotFound, $"{name} has no endpoint {method}");
                streamKind = JsonCaller.StreamKind(info)
                    ?? throw CliException.Usage("cli.stream.unary", $"{name} {method} is not a streaming endpoint; use micro call");
            }
            await foreach (var reply in new JsonCaller(cli.Services.Client).StreamAsync(name, method, streamKind ?? "bidi", ReadLinesAsync(cli.In, ct), callOptions, ct).ConfigureAwait(false))
            {
                cli.Out.WriteLine(JsonInput.Pretty(reply, indented: false));
                cli.Out.Flush();
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async IAsyncEnumerable<RawPayload> ReadLinesAsync(TextReader input, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var number = 0;
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            number++;
            if (line.Length > JsonInput.MaxBytes) throw CliException.Usage("cli.json.too_large", $"line {number} is over {JsonInput.MaxBytes} characters");
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return JsonInput.Parse(line, $"message on line {number}");
        }
    }
}
