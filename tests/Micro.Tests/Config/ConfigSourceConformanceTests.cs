using System.Text.Json.Nodes;
using Micro.Config;
using Micro.Conformance.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Micro.Tests.Config;

public class MemoryConfigSourceConformanceTests : ConfigSourceConformanceSuite
{
    private readonly Dictionary<string, string?> _initial = [];
    private MemoryConfigurationProvider? _provider;

    protected override Task<IConfigurationSource> CreateSourceAsync() =>
        Task.FromResult<IConfigurationSource>(new CapturingMemorySource(_initial, p => _provider = p));

    protected override Task SetAsync(string path, string value)
    {
        var key = path.Replace('/', ':');
        if (_provider is null) _initial[key] = value; else _provider.Set(key, value);
        return Task.CompletedTask;
    }

    protected override Task DeleteAsync(string path)
    {
        _provider!.Set(path.Replace('/', ':'), null);
        return Task.CompletedTask;
    }

    // In-memory data has no change notification of its own: the application reloads.
    protected override void AfterChange(IConfigurationRoot root) => root.Reload();

    private sealed class CapturingMemorySource(Dictionary<string, string?> initial, Action<MemoryConfigurationProvider> built) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder)
        {
            var provider = new MemoryConfigurationProvider(new MemoryConfigurationSource { InitialData = initial });
            built(provider);
            return provider;
        }
    }
}

public sealed class FileConfigSourceConformanceTests : ConfigSourceConformanceSuite
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-config-").FullName;
    private readonly JsonObject _data = [];

    private string FilePath => Path.Combine(_folder, "config.json");

    protected override Task<IConfigurationSource> CreateSourceAsync() =>
        Task.FromResult<IConfigurationSource>(new LastGoodJsonConfigurationSource { Path = FilePath });

    protected override Task SetAsync(string path, string value)
    {
        var parts = path.Split('/');
        var node = _data;
        foreach (var part in parts[..^1]) node = (JsonObject)(node[part] ??= new JsonObject());
        node[parts[^1]] = value;
        return Save();
    }

    protected override Task DeleteAsync(string path)
    {
        var parts = path.Split('/');
        var node = _data;
        foreach (var part in parts[..^1]) node = (JsonObject)node[part]!;
        node.Remove(parts[^1]);
        return Save();
    }

    private Task Save() => File.WriteAllTextAsync(FilePath, _data.ToJsonString());

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
