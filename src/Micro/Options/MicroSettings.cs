using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Micro;

/// <summary>
/// The settings of one piece (<c>Store</c>, <c>Client</c>, ...) as the service's <see cref="IConfiguration"/> holds
/// them, so every source (appsettings.json, environment, command line, etcd) can set them. A property <c>SweepInterval</c>
/// of the <c>Store</c> piece is read from <c>MICRO_STORE_SWEEP_INTERVAL</c> (the shortcut, wins) or
/// <c>Micro:Store:SweepInterval</c> (appsettings.json; <c>Micro__Store__SweepInterval</c> in the environment).
/// The plug-in name is <c>MICRO_STORE</c> or <c>Micro:Store:Plugin</c>.
/// </summary>
public sealed class MicroSettings
{
    private readonly IConfiguration? _configuration;

    /// <summary>Settings of <paramref name="piece"/> (PascalCase, e.g. "Store") in <paramref name="configuration"/> (null: none set).</summary>
    public MicroSettings(IConfiguration? configuration, string piece)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(piece);
        _configuration = configuration;
        Piece = piece;
    }

    /// <summary>The piece's name, as in <c>Micro:{Piece}:...</c>.</summary>
    public string Piece { get; }

    /// <summary>Which implementation to use: <c>MICRO_{PIECE}</c>, <c>Micro:{Piece}:Plugin</c>, or <c>Micro:{Piece}</c> as a plain value.</summary>
    public string? Plugin => Raw(EnvironmentName(Piece, null)) ?? Raw($"Micro:{Piece}:Plugin") ?? Raw($"Micro:{Piece}");

    /// <summary>The text of setting <paramref name="name"/> (a property name), or null when it is not set.</summary>
    public string? String(string name) => Raw(EnvironmentName(Piece, name)) ?? Raw(SectionName(name));

    /// <summary>A duration setting ("5s", "250ms", "00:00:05").</summary>
    public TimeSpan? Duration(string name) => Parse<TimeSpan>(name, static (string s, out TimeSpan v) => MicroDuration.TryParse(s, out v), "a duration (250ms, 5s, 1m, 2h, 1d or 00:00:05)");

    /// <summary>A whole-number setting.</summary>
    public int? Int32(string name) => Parse<int>(name, static (string s, out int v) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "a whole number");

    /// <summary>A whole-number setting (64 bits).</summary>
    public long? Int64(string name) => Parse<long>(name, static (string s, out long v) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "a whole number");

    /// <summary>A true/false setting (also 1/0, yes/no, on/off).</summary>
    public bool? Boolean(string name) => Parse<bool>(name, TryParseBoolean, "true or false");

    /// <summary>A list: comma-separated text, or indexed children (<c>Micro:Registry:Interfaces:0</c>).</summary>
    public IReadOnlyList<string>? List(string name)
    {
        if (String(name) is { } text) return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var children = _configuration?.GetSection(SectionName(name)).GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(v => v.Length > 0).ToArray();
        return children is { Length: > 0 } ? children : null;
    }

    /// <summary>Both spellings of a setting, for error messages: "Micro:Store:Address (MICRO_STORE_ADDRESS)".</summary>
    public static string Describe(string piece, string? name) =>
        name is null ? $"Micro:{piece}:Plugin ({EnvironmentName(piece, null)})" : $"Micro:{piece}:{name} ({EnvironmentName(piece, name)})";

    /// <summary>Any setting by its lower-case path, e.g. ("server", "address") reads MICRO_SERVER_ADDRESS or Micro:server:address.</summary>
    public static string? Get(IConfiguration configuration, params string[] path)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration["MICRO_" + string.Join('_', path).ToUpperInvariant()];
        if (string.IsNullOrWhiteSpace(value)) value = configuration["Micro:" + string.Join(':', path)];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>The plug-in name of <paramref name="kind"/> (MICRO_{KIND}).</summary>
    public static string? GetPlugin(IConfiguration configuration, string kind) => new MicroSettings(configuration, Capitalize(kind)).Plugin;

    /// <summary>The server address of <paramref name="kind"/> (MICRO_{KIND}_ADDRESS).</summary>
    public static string? Address(IConfiguration configuration, string kind) => new MicroSettings(configuration, Capitalize(kind)).String("Address");

    /// <summary>"SweepInterval" of "Store" -> "MICRO_STORE_SWEEP_INTERVAL"; no name -> "MICRO_STORE".</summary>
    internal static string EnvironmentName(string piece, string? name) =>
        name is null ? "MICRO_" + Snake(piece) : "MICRO_" + Snake(piece) + "_" + Snake(name);

    private string SectionName(string name) => $"Micro:{Piece}:{name}";

    private string? Raw(string key)
    {
        var value = _configuration?[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private delegate bool TryParser<T>(string text, out T value);

    private T? Parse<T>(string name, TryParser<T> parse, string expected) where T : struct
    {
        if (String(name) is not { } text) return null;
        if (parse(text, out var value)) return value;
        throw new OptionsValidationException(Piece, typeof(MicroSettings), [$"{Describe(Piece, name)}: '{text}' is not {expected}"]);
    }

    private static bool TryParseBoolean(string text, out bool value)
    {
        switch (text.ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on": value = true; return true;
            case "false" or "0" or "no" or "off": value = false; return true;
            default: value = false; return false;
        }
    }

    private static string Capitalize(string kind) => kind.Length == 0 ? kind : char.ToUpperInvariant(kind[0]) + kind[1..];

    private static string Snake(string pascal)
    {
        var sb = new System.Text.StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(pascal[i - 1]) || (i + 1 < pascal.Length && char.IsLower(pascal[i + 1])) && char.IsUpper(pascal[i - 1])))
                sb.Append('_');
            sb.Append(char.ToUpperInvariant(c));
        }
        return sb.ToString();
    }
}
