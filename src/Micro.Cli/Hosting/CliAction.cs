using System.CommandLine;
using Micro.Cli.Output;
using Micro.Errors;
using Microsoft.Extensions.Options;

namespace Micro.Cli.Hosting;

/// <summary>
/// Runs a command's body and turns every failure into one line on stderr (a JSON line with <c>--output json</c>) and
/// the documented exit code; stack traces only with <c>--verbose</c>.
/// </summary>
public static class CliAction
{
    /// <summary>Standard input, output and error of the process; tests and the dashboard never replace them.</summary>
    public static (TextReader In, TextWriter Out, TextWriter Error) Console { get; set; } = (System.Console.In, System.Console.Out, System.Console.Error);

    /// <summary>Makes <paramref name="run"/> the action of <paramref name="command"/>.</summary>
    public static void Set(Command command, Func<ParseResult, CliContext, CancellationToken, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(run);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (input, output, error) = Console;
            var format = parse.GetValue(CliOptions.Output);
            var verbose = parse.GetValue(CliOptions.Verbose);
            await using var context = new CliContext(format, verbose, CliOptions.Overrides(parse), input, output, error);
            try
            {
                return await run(parse, context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                return Report(context, e, cancellationToken);
            }
        });
    }

    /// <summary>Prints <paramref name="e"/> as one line and returns its exit code.</summary>
    public static int Report(CliContext context, Exception e, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(e);
        var (id, code, detail, exit) = e switch
        {
            CliException c => (c.Id, 0, c.Message, c.ExitCode),
            MicroException m => (m.Id, m.Code, m.Detail, ExitCodes.For(m)),
            OperationCanceledException when cancellationToken.IsCancellationRequested => ("cli.interrupted", 499, "interrupted", ExitCodes.Interrupted),
            OptionsValidationException o => ("cli.config.invalid", 0, string.Join("; ", o.Failures), ExitCodes.Failure),
            InvalidOperationException i when i.Message.StartsWith("Micro:", StringComparison.Ordinal) => ("cli.config.invalid", 0, i.Message, ExitCodes.Failure),
            _ => ("cli.failure", 0, $"{e.GetType().Name}: {e.Message}", ExitCodes.Failure),
        };
        detail = OneLine(detail);
        if (context.Json)
            context.Error.WriteLine(System.Text.Json.JsonSerializer.Serialize(new ErrorView(new ErrorDetail(id, code, detail, exit)), CliJsonContext.Default.ErrorView));
        else
            context.Error.WriteLine(code == 0 ? $"micro: {detail}" : $"micro: {id} ({code}): {detail}");
        if (context.Verbose) context.Error.WriteLine(e.ToString());
        context.Error.Flush();
        return exit;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
