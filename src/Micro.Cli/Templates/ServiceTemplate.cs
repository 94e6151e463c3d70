using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Micro.Cli.Output;

namespace Micro.Cli.Templates;

/// <summary>
/// The <c>micro-service</c> template of <c>templates/micro-service</c>, embedded in the tool so <c>micro new</c> works
/// offline and without <c>dotnet new install</c>. It applies the template's own <c>.template.config/template.json</c>:
/// the <c>sourceName</c> in paths and text, and every symbol's <c>replaces</c> (parameters from their value or default,
/// names derived with <c>lowerCase</c>), which gives the same files as <c>dotnet new micro-service</c> for a name that is
/// already a valid C# identifier or namespace (the only names it accepts).
/// </summary>
public sealed partial class ServiceTemplate
{
    private const string Prefix = "template/";
    private const string Manifest = ".template.config/template.json";
    private readonly Assembly _assembly = typeof(ServiceTemplate).Assembly;

    /// <summary>Names that every form of <c>dotnet new</c>'s sourceName (identity, namespace, class name) leaves unchanged.</summary>
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*$")]
    private static partial Regex ValidName();

    /// <summary>Creates the service <paramref name="name"/> in <paramref name="directory"/>, which must not exist or be empty.</summary>
    /// <param name="parameters">Template parameters by symbol name, e.g. MicroVersion; absent ones take their default.</param>
    /// <returns>The files written, relative to <paramref name="directory"/>, in order.</returns>
    public IReadOnlyList<string> Create(string name, string directory, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!ValidName().IsMatch(name) || name.Length > 100)
            throw CliException.Usage("cli.new.invalid_name", $"'{name}' is not a valid service name: use letters, digits and '_' (dots between parts), starting with a letter, e.g. Orders");
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw CliException.Usage("cli.new.exists", $"{directory} already exists and is not empty");

        using var manifest = JsonDocument.Parse(Read(Manifest));
        var root = manifest.RootElement;
        var sourceName = root.GetProperty("sourceName").GetString()!;
        var replacements = new List<(string From, string To)> { (sourceName, name) };
        if (root.TryGetProperty("symbols", out var symbols))
            foreach (var symbol in symbols.EnumerateObject())
            {
                if (!symbol.Value.TryGetProperty("replaces", out var replaces)) continue;
                var value = Value(symbol, name, parameters);
                if (value is not null) replacements.Add((replaces.GetString()!, value));
            }
        foreach (var key in parameters.Keys)
            if (symbols.ValueKind != JsonValueKind.Object || !symbols.TryGetProperty(key, out _)) throw CliException.Usage("cli.new.unknown_parameter", $"the template has no parameter {key}");

        var written = new List<string>();
        foreach (var resource in _assembly.GetManifestResourceNames().Where(r => r.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var relative = resource[Prefix.Length..];
            if (relative.StartsWith(".template.config/", StringComparison.Ordinal)) continue;
            var text = Read(relative);
            foreach (var (from, to) in replacements) text = text.Replace(from, to, StringComparison.Ordinal);
            var target = relative.Replace(sourceName, name, StringComparison.Ordinal);
            var path = Path.Combine(directory, target);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text, new UTF8Encoding(false));
            written.Add(target);
        }
        return written;
    }

    /// <summary>The default value of the template parameter <paramref name="symbol"/>, for <c>micro new --help</c>.</summary>
    public string DefaultOf(string symbol)
    {
        using var manifest = JsonDocument.Parse(Read(Manifest));
        return manifest.RootElement.GetProperty("symbols").GetProperty(symbol).GetProperty("defaultValue").GetString()!;
    }

    private static string? Value(JsonProperty symbol, string name, IReadOnlyDictionary<string, string> parameters)
    {
        var type = symbol.Value.TryGetProperty("type", out var t) ? t.GetString() : "parameter";
        switch (type)
        {
            case "parameter":
                if (parameters.TryGetValue(symbol.Name, out var given)) return given;
                return symbol.Value.TryGetProperty("defaultValue", out var d) ? d.GetString() : null;
            case "derived":
                var source = symbol.Value.TryGetProperty("valueSource", out var s) ? s.GetString() : null;
                var transform = symbol.Value.TryGetProperty("valueTransform", out var x) ? x.GetString() : null;
                if (source != "name") return null;
                return transform switch { "lowerCase" => name.ToLowerInvariant(), "upperCase" => name.ToUpperInvariant(), null => name, _ => null };
            default:
                return null;
        }
    }

    private string Read(string relative)
    {
        using var stream = _assembly.GetManifestResourceStream(Prefix + relative)
            ?? throw new InvalidOperationException($"the tool was built without its template file {relative}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
