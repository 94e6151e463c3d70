using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Micro.Config;

/// <summary>The provider of <see cref="LastGoodJsonConfigurationSource"/>: last good values, watched file, late folders.</summary>
public sealed class LastGoodJsonConfigurationProvider : ConfigurationProvider, IReportsLoadErrors, IDisposable
{
    /// <summary>How often a missing folder is looked for (a file watcher needs the folder to exist).</summary>
    private static readonly TimeSpan FolderPoll = TimeSpan.FromSeconds(1);

    private readonly LastGoodJsonConfigurationSource _source;
    private readonly string _path;
    private readonly string _folder;
    private readonly string _name;
    private readonly object _gate = new();
    private PhysicalFileProvider? _files;
    private IDisposable? _watch;
    private ITimer? _folderPoll;
    private bool _disposed;
    private bool _loaded;

    /// <summary>A provider for <paramref name="source"/>; the file is read by <see cref="Load"/>.</summary>
    public LastGoodJsonConfigurationProvider(LastGoodJsonConfigurationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _path = System.IO.Path.GetFullPath(source.Path);
        _folder = System.IO.Path.GetDirectoryName(_path)!;
        _name = System.IO.Path.GetFileName(_path);
        if (!TryWatch())
        {
            // No folder yet (an optional file in a folder made later): look for it now and then, then watch it.
            _folderPoll = TimeProvider.System.CreateTimer(_ => { if (TryWatch()) Reload(reload: true); }, null, FolderPoll, FolderPoll);
        }
    }

    /// <inheritdoc />
    public event Action<ConfigLoadError>? LoadFailed;

    /// <inheritdoc />
    public ConfigLoadError? LastError { get; private set; }

    /// <inheritdoc />
    public override void Load() => Reload(reload: false);

    /// <summary>Starts the file watch once the folder exists; true when watching.</summary>
    private bool TryWatch()
    {
        lock (_gate)
        {
            if (_files is not null) return true;
            if (_disposed || !Directory.Exists(_folder)) return false;
            _files = new PhysicalFileProvider(_folder);
            _watch = ChangeToken.OnChange(() => _files.Watch(_name), () => Reload(reload: true));
            _folderPoll?.Dispose();
            _folderPoll = null;
            return true;
        }
    }

    private void Reload(bool reload)
    {
        Dictionary<string, string?> data;
        try
        {
            if (!File.Exists(_path))
            {
                if (!reload && !_source.Optional) throw new FileNotFoundException($"configuration file {_path} not found", _path);
                if (!_loaded) return; // optional and not there yet: nothing to keep, nothing wrong
                // Gone for a moment (an editor saving by rename) or for good: keep what we had.
                Fail($"configuration file {_path} is missing; keeping its last values");
                return;
            }
            data = JsonConfigurationFlattener.Flatten(ReadShared(_path));
        }
        catch (Exception e) when (reload && e is JsonException or IOException or UnauthorizedAccessException)
        {
            // Keep what we had: a half-written or broken file must not empty the running configuration.
            Fail(e.Message);
            return;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"configuration file {_path} is not valid JSON: {e.Message}", e);
        }
        LastError = null;
        _loaded = true;
        Data = data;
        if (reload) OnReload();
    }

    private void Fail(string message)
    {
        LastError = new ConfigLoadError(_path, message, DateTimeOffset.UtcNow);
        LoadFailed?.Invoke(LastError);
    }

    /// <summary>Editors replace files in steps; read with sharing so a concurrent writer does not fail us.</summary>
    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _folderPoll?.Dispose();
            _watch?.Dispose();
            _files?.Dispose();
        }
    }
}
