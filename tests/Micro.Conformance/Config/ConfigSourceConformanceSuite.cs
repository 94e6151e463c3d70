using Micro.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Micro.Conformance.Config;

/// <summary>
/// What every configuration source must do for Micro: values by nested path, live changes seen through
/// <see cref="IMicroConfig.Watch"/> (only for the watched path) and through <see cref="IOptionsMonitor{T}"/>.
/// A backend's test project subclasses it with a way to change the backend's data.
/// </summary>
public abstract class ConfigSourceConformanceSuite : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private IConfigurationRoot _root = null!;
    private IMicroConfig _config = null!;

    /// <summary>A source over data the test can change with <see cref="SetAsync"/> and <see cref="DeleteAsync"/>.</summary>
    protected abstract Task<IConfigurationSource> CreateSourceAsync();

    /// <summary>Sets the value at a '/'-separated path, e.g. "database/host".</summary>
    protected abstract Task SetAsync(string path, string value);

    protected abstract Task DeleteAsync(string path);

    /// <summary>Sources without change notification (in-memory) reload here.</summary>
    protected virtual void AfterChange(IConfigurationRoot root) { }

    public async Task InitializeAsync()
    {
        await SetAsync("database/host", "db1");
        await SetAsync("database/port", "5432");
        await SetAsync("feature/enabled", "true");
        _root = new ConfigurationBuilder().Add(await CreateSourceAsync()).Build();
        _config = new MicroConfig(_root);
    }

    public virtual Task DisposeAsync()
    {
        (_root as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    private async Task Change(Func<Task> change)
    {
        await change();
        AfterChange(_root);
    }

    [Fact]
    public void Values_are_read_by_nested_path_with_types_and_fallbacks()
    {
        Assert.Equal("db1", _config.Get("database", "host").String("none"));
        Assert.Equal("db1", _config.Get("database.host").String("none"));
        Assert.Equal(5432, _config.Get("database", "port").As(0));
        Assert.True(_config.Get("feature", "enabled").Bool(false));
        Assert.Equal(7, _config.Get("database", "missing").As(7));
        Assert.Equal(3, _config.Get("database", "host").As(3)); // not a number: the fallback
        Assert.False(_config.Get("nothing").Exists);
    }

    [Fact]
    public async Task A_change_reaches_a_watcher_of_that_path_and_a_delete_too()
    {
        var seen = new System.Collections.Concurrent.BlockingCollection<string?>();
        using var watch = _config.Watch("database.host", v => seen.Add(v.Raw));

        await Change(() => SetAsync("database/host", "db2"));
        Assert.True(seen.TryTake(out var changed, Patience), "the watcher did not fire for a change");
        Assert.Equal("db2", changed);
        Assert.Equal("db2", _config.Get("database", "host").String(""));

        await Change(() => DeleteAsync("database/host"));
        Assert.True(seen.TryTake(out var deleted, Patience), "the watcher did not fire for a delete");
        Assert.Null(deleted);
        Assert.Equal("fallback", _config.Get("database", "host").String("fallback"));
    }

    [Fact]
    public async Task A_watch_does_not_fire_for_changes_elsewhere()
    {
        var fired = new System.Collections.Concurrent.BlockingCollection<string?>();
        using var watch = _config.Watch("database.port", v => fired.Add(v.Raw));

        // Change something else, then the watched path: the first event must be the watched change.
        await Change(() => SetAsync("feature/enabled", "false"));
        await Change(() => SetAsync("database/port", "6543"));
        Assert.True(fired.TryTake(out var first, Patience));
        Assert.Equal("6543", first);
        Assert.False(fired.TryTake(out _, TimeSpan.FromMilliseconds(300)), "the watch fired more than once");
        Assert.False(_config.Get("feature", "enabled").Bool(true));
    }

    [Fact]
    public async Task IOptionsMonitor_sees_changes()
    {
        var services = new ServiceCollection();
        services.Configure<DatabaseSettings>(_root.GetSection("database"));
        using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<DatabaseSettings>>();
        Assert.Equal(("db1", 5432), (monitor.CurrentValue.Host, monitor.CurrentValue.Port));
        var changed = new TaskCompletionSource<DatabaseSettings>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = monitor.OnChange(s => { if (s.Port == 1111) changed.TrySetResult(s); });

        await Change(() => SetAsync("database/port", "1111"));

        var settings = await changed.Task.WaitAsync(Patience);
        Assert.Equal(("db1", 1111), (settings.Host, settings.Port));
    }

    public sealed class DatabaseSettings
    {
        public string Host { get; set; } = "";
        public int Port { get; set; }
    }
}
