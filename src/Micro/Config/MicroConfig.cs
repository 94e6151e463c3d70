using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Micro.Config;

/// <summary>
/// The default <see cref="IMicroConfig"/> over an <see cref="IConfiguration"/>. Watches compare a snapshot of
/// the watched subtree on every reload token, so a reload of anything else does not fire them.
/// </summary>
public sealed class MicroConfig : IMicroConfig
{
    private readonly IConfiguration _configuration;
    private readonly IReportsLoadErrors[] _reporting;

    /// <summary>Micro's view of <paramref name="configuration"/>; errors are collected from its providers that report them.</summary>
    public MicroConfig(IConfiguration configuration)
    {
        _configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        _reporting = configuration is IConfigurationRoot root ? [.. root.Providers.OfType<IReportsLoadErrors>()] : [];
        foreach (var provider in _reporting) provider.LoadFailed += e => LoadFailed?.Invoke(e);
    }

    /// <inheritdoc />
    public IReadOnlyList<ConfigLoadError> Errors => [.. _reporting.Select(p => p.LastError).OfType<ConfigLoadError>()];

    /// <inheritdoc />
    public event Action<ConfigLoadError>? LoadFailed;

    /// <inheritdoc />
    public ConfigValue Get(params string[] path) => new(_configuration.GetSection(Key(path)));

    /// <inheritdoc />
    public IDisposable Watch(string path, Action<ConfigValue> onChange)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(onChange);
        var key = Key([path]);
        var last = Snapshot(key);
        var gate = new object();
        return ChangeToken.OnChange(_configuration.GetReloadToken, () =>
        {
            string current;
            lock (gate)
            {
                current = Snapshot(key);
                if (current == last) return;
                last = current;
            }
            onChange(new ConfigValue(_configuration.GetSection(key)));
        });
    }

    /// <summary>
    /// One string is a path: "database:host" (configuration's own separator; dots in it are literal) or, when it has
    /// no ':', "database.host". Several strings are segments taken literally, so a key holding a dot is reachable:
    /// ("Logging", "LogLevel", "Microsoft.AspNetCore").
    /// </summary>
    internal static string Key(string[] path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length != 1) return string.Join(':', path);
        var single = path[0] ?? throw new ArgumentNullException(nameof(path));
        return single.Contains(':', StringComparison.Ordinal) ? single : single.Replace('.', ':');
    }

    /// <summary>The value and every descendant, as one comparable string.</summary>
    private string Snapshot(string key)
    {
        var section = _configuration.GetSection(key);
        // AsEnumerable(makePathsRelative) leaves out the section itself: add its own value first.
        var parts = section.AsEnumerable(makePathsRelative: true).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value);
        return (section.Value is null ? "\0" : "=" + section.Value) + "\n" + string.Join('\n', parts);
    }
}
