namespace Micro.Cli.Output;

/// <summary>A failure the CLI itself detects (bad input, nothing found); it becomes one line on stderr and <see cref="ExitCode"/>.</summary>
public sealed class CliException(int exitCode, string id, string message) : Exception(message)
{
    /// <summary>The process exit code (see <see cref="ExitCodes"/>).</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>Machine-readable id in <c>--output json</c> errors, e.g. <c>cli.json.malformed</c>.</summary>
    public string Id { get; } = id;

    /// <summary>Bad command-line input (exit code 2).</summary>
    public static CliException Usage(string id, string message) => new(ExitCodes.Usage, id, message);

    /// <summary>Something named on the command line does not exist (exit code 3).</summary>
    public static CliException NotFound(string id, string message) => new(ExitCodes.NotFound, id, message);
}
