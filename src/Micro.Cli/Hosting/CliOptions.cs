using System.CommandLine;
using Micro.Cli.Output;

namespace Micro.Cli.Hosting;

/// <summary>Options every command accepts (they are recursive: <c>micro call --output json ...</c> and <c>micro --output json call ...</c>).</summary>
public static class CliOptions
{
    /// <summary><c>--output text|json</c>.</summary>
    public static readonly Option<OutputFormat> Output = new("--output", "-o")
    {
        Description = "text (tables) or json (for scripts; errors as one JSON line on stderr)",
        DefaultValueFactory = _ => OutputFormat.Text,
        Recursive = true,
        HelpName = "text|json",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? "text" : result.Tokens[0].Value;
            if (Enum.TryParse<OutputFormat>(text, ignoreCase: true, out var format)) return format;
            result.AddError($"--output must be text or json, not '{text}'");
            return OutputFormat.Text;
        },
    };

    /// <summary><c>--verbose</c>: stack traces on errors, Debug logging.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "show stack traces on errors and debug logs (stderr)",
        Recursive = true,
    };

    /// <summary><c>--registry</c>, the same as MICRO_REGISTRY.</summary>
    public static readonly Option<string?> Registry = new("--registry")
    {
        Description = "registry plug-in (mdns, etcd, memory); default: MICRO_REGISTRY, else mdns",
        Recursive = true,
    };

    /// <summary><c>--registry-address</c>, the same as MICRO_REGISTRY_ADDRESS.</summary>
    public static readonly Option<string?> RegistryAddress = new("--registry-address")
    {
        Description = "registry address (e.g. 127.0.0.1:2379 for etcd); default: MICRO_REGISTRY_ADDRESS",
        Recursive = true,
    };

    /// <summary>The settings the global options override, as configuration keys.</summary>
    public static IReadOnlyDictionary<string, string?> Overrides(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var overrides = new Dictionary<string, string?>();
        if (parse.GetValue(Registry) is { Length: > 0 } registry) overrides["MICRO_REGISTRY"] = registry;
        if (parse.GetValue(RegistryAddress) is { Length: > 0 } address) overrides["MICRO_REGISTRY_ADDRESS"] = address;
        return overrides;
    }
}
