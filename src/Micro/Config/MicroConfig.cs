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
    private readonly List<ConfigLoadError> _errors = [];

    public MicroConfig(IConfiguration configuration)
    {
        _configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        if (configuration is IConfigurationRoot root)
            foreach (var provider in root.Providers.OfType<IReportsLoadErrors>())
                provider.LoadFailed += OnLoadFailed;
    }

    public IReadOnlyList<ConfigLoadError> Errors
    {
        get { lock (_errors) return [.. _errors]; }
    }

    public event Action<ConfigLoadError>? LoadFailed;

    private void OnLoadFailed(ConfigLoadError error)
    {
        lock (_errors)
        {
            _errors.RemoveAll(e => e.Source == error.Source);
            _errors.Add(error);
        }
        LoadFailed?.Invoke(error);
    }

    public ConfigValue Get(params string[] path) => new(_configuration.GetSection(Key(path)));

    public IDisposable Watch(string path, Action<ConfigValue> onChange)
    {
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

    /// <summary>"database.host", ["database", "host"] and "database:host" all mean the same key.</summary>
    private static string Key(string[] path) => string.Join(':', path.SelectMany(p => p.Split('.', ':', StringSplitOptions.RemoveEmptyEntries)));

    /// <summary>The value and every descendant, as one comparable string.</summary>
    private string Snapshot(string key)
    {
        var section = _configuration.GetSection(key);
        // AsEnumerable(makePathsRelative) leaves out the section itself: add its own value first.
        var parts = section.AsEnumerable(makePathsRelative: true).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value);
        return (section.Value is null ? "\0" : "=" + section.Value) + "\n" + string.Join('\n', parts);
    }
}

/// <summary>A configuration provider that keeps its last good data on a failed reload and says so.</summary>
public interface IReportsLoadErrors
{
    event Action<ConfigLoadError>? LoadFailed;
}
