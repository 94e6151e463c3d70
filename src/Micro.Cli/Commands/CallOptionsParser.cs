using System.CommandLine;
using Micro.Cli.Output;
using Micro.Client;

namespace Micro.Cli.Commands;

/// <summary>The options <c>call</c> and <c>stream</c> share: <c>--address</c>, <c>--metadata k=v</c>, <c>--timeout</c>.</summary>
public sealed class CallOptionsParser
{
    /// <summary><c>--address host:port</c>.</summary>
    public Option<string?> Address { get; } = new("--address") { Description = "call this node (host:port) directly, without the registry" };

    /// <summary><c>--metadata k=v</c>, repeatable.</summary>
    public Option<string[]> Metadata { get; } = new("--metadata", "-m") { Description = "metadata the handler sees, key=value (repeatable)", HelpName = "key=value" };

    /// <summary><c>--timeout 5s</c>.</summary>
    public Option<string?> Timeout { get; } = new("--timeout", "-t") { Description = "deadline of the call: 250ms, 5s, 1m or 00:00:05 (default: MICRO_CLIENT_TIMEOUT, else 10s; streams: none)" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Address);
        command.Options.Add(Metadata);
        command.Options.Add(Timeout);
    }

    /// <summary>The call's options from the command line.</summary>
    /// <exception cref="CliException">Exit code 2 for a metadata entry without '=' or a bad duration.</exception>
    public CallOptions Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var metadata = ParseMetadata(parse.GetValue(Metadata));
        var timeout = ParseDuration("--timeout", parse.GetValue(Timeout));
        return new CallOptions { Address = parse.GetValue(Address), Metadata = metadata, Timeout = timeout };
    }

    /// <summary>key=value pairs (<c>--metadata</c>) as a dictionary, or null when there are none.</summary>
    /// <exception cref="CliException">Exit code 2 for an entry without '='.</exception>
    public static Dictionary<string, string>? ParseMetadata(IEnumerable<string>? pairs)
    {
        Dictionary<string, string>? metadata = null;
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw CliException.Usage("cli.metadata.malformed", $"--metadata '{pair}' must be key=value");
            (metadata ??= new(StringComparer.OrdinalIgnoreCase))[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return metadata;
    }

    /// <summary>A positive duration option (250ms, 5s, 1m, 00:00:05), or null when not given.</summary>
    /// <exception cref="CliException">Exit code 2 for anything else.</exception>
    public static TimeSpan? ParseDuration(string option, string? text)
    {
        if (text is null) return null;
        if (!MicroDuration.TryParse(text, out var value) || value <= TimeSpan.Zero)
            throw CliException.Usage("cli.timeout.malformed", $"{option} '{text}' is not a positive duration (use 250ms, 5s, 1m or 00:00:05)");
        return value;
    }
}
