using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Micro.Config;

/// <summary>
/// A JSON file source that hot-reloads like <c>AddJsonFile(reloadOnChange: true)</c> but never wipes the
/// running configuration: a save that is not valid JSON keeps the last good values and raises
/// <see cref="IReportsLoadErrors.LoadFailed"/>; fixing the file loads the new values. (The stock JSON
/// provider empties its data when a reload fails.)
/// </summary>
public sealed class LastGoodJsonConfigurationSource : IConfigurationSource
{
    public required string Path { get; init; }
    public bool Optional { get; init; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new LastGoodJsonConfigurationProvider(this);
}

public sealed class LastGoodJsonConfigurationProvider : ConfigurationProvider, IReportsLoadErrors, IDisposable
{
    private readonly LastGoodJsonConfigurationSource _source;
    private readonly PhysicalFileProvider _files;
    private readonly string _name;
    private readonly IDisposable _watch;

    public LastGoodJsonConfigurationProvider(LastGoodJsonConfigurationSource source)
    {
        _source = source;
        var full = System.IO.Path.GetFullPath(source.Path);
        _name = System.IO.Path.GetFileName(full);
        _files = new PhysicalFileProvider(System.IO.Path.GetDirectoryName(full)!);
        _watch = ChangeToken.OnChange(() => _files.Watch(_name), () => Reload(reload: true));
    }

    public event Action<ConfigLoadError>? LoadFailed;

    /// <summary>The last load error, or null when the file loaded.</summary>
    public ConfigLoadError? LastError { get; private set; }

    public override void Load() => Reload(reload: false);

    private void Reload(bool reload)
    {
        var path = System.IO.Path.Combine(_files.Root, _name);
        Dictionary<string, string?> data;
        try
        {
            if (!File.Exists(path))
            {
                if (!_source.Optional && !reload) throw new FileNotFoundException($"configuration file {path} not found", path);
                data = new(StringComparer.OrdinalIgnoreCase);
            }
            else
            {
                data = JsonConfigurationFlattener.Flatten(ReadShared(path));
            }
        }
        catch (Exception e) when (reload && e is JsonException or IOException)
        {
            // Keep what we had: a half-written or broken file must not empty the running configuration.
            LastError = new ConfigLoadError(path, e.Message, DateTimeOffset.UtcNow);
            LoadFailed?.Invoke(LastError);
            return;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"configuration file {path} is not valid JSON: {e.Message}", e);
        }
        LastError = null;
        Data = data;
        if (reload) OnReload();
    }

    /// <summary>Editors replace files in steps; read with sharing so a concurrent writer does not fail us.</summary>
    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    public void Dispose()
    {
        _watch.Dispose();
        _files.Dispose();
    }
}
