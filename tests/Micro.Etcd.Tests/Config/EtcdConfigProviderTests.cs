using Micro.Config;
using Micro.Conformance;
using Micro.Etcd.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Micro.Etcd.Tests.Config;

public sealed class EtcdConfigProviderTests
{
    [Fact]
    public async Task Readers_never_see_the_data_while_changes_are_applied()
    {
        var prefix = $"/micro-test-race-{Guid.NewGuid():N}/";
        using var client = EtcdConnection.Create(TestServers.Etcd);
        try
        {
            using var root = (ConfigurationRoot)new ConfigurationBuilder().AddEtcd(TestServers.Etcd, prefix).Build();
            using var stop = new CancellationTokenSource();
            // Readers enumerate the whole tree (what IOptions binding and GetChildren do) while watch events land.
            var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
            {
                var reads = 0;
                while (!stop.IsCancellationRequested)
                {
                    _ = root.AsEnumerable().Count();
                    _ = root.GetSection("k").GetChildren().Count();
                    reads++;
                }
                return reads;
            })).ToArray();
            for (var i = 0; i < 300; i++) await client.PutAsync($"{prefix}k/{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (root.GetSection("k").GetChildren().Count() < 300 && DateTime.UtcNow < until) await Task.Delay(20);
            await stop.CancelAsync();
            var counts = await Task.WhenAll(readers); // a reader that hit "collection was modified" rethrows here
            Assert.All(counts, c => Assert.True(c > 0));
            Assert.Equal(300, root.GetSection("k").GetChildren().Count());
            Assert.Equal("299", root["k:299"]);
        }
        finally
        {
            await client.DeleteRangeAsync(prefix);
        }
    }

    [Fact]
    public async Task An_etcd_down_at_start_is_reported_retried_in_the_background_and_then_watched()
    {
        await using var etcd = PrivateServer.Etcd();
        var prefix = "/config/late/";
        using var root = (ConfigurationRoot)new ConfigurationBuilder().AddEtcd(etcd.Address, prefix, optional: true).Build();
        var config = new MicroConfig(root);
        var error = Assert.Single(config.Errors);
        Assert.Contains(etcd.Address, error.Source);
        Assert.Null(root["greeting"]);

        await etcd.StartAsync();
        using (var client = EtcdConnection.Create(etcd.Address))
            await client.PutAsync(prefix + "greeting", "hello");
        Assert.Equal("hello", await ValueAsync(root, "greeting", "hello"));
        Assert.Empty(config.Errors);

        // And after etcd goes away and comes back (the watch stream breaks): the last values stay, then changes flow again.
        var failed = new TaskCompletionSource<ConfigLoadError>(TaskCreationOptions.RunContinuationsAsynchronously);
        config.LoadFailed += e => failed.TrySetResult(e);
        await etcd.StopAsync();
        await failed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("hello", root["greeting"]);
        await etcd.StartAsync();
        using (var client = EtcdConnection.Create(etcd.Address))
            await client.PutAsync(prefix + "greeting", "again");
        Assert.Equal("again", await ValueAsync(root, "greeting", "again"));
    }

    [Fact]
    public void A_required_etcd_that_is_down_at_start_is_a_clear_error()
    {
        var address = $"127.0.0.1:{PrivateServer.FreePort()}";
        var e = Assert.Throws<InvalidOperationException>(() => new ConfigurationBuilder().AddEtcd(address, "/config/x/").Build());
        Assert.Contains(address, e.Message);
    }

    /// <summary>Waits (bounded, on reload signals, not sleeps) until the key has the expected value.</summary>
    private static async Task<string?> ValueAsync(IConfigurationRoot root, string key, string expected)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (root[key] != expected && DateTime.UtcNow < until)
        {
            var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = ChangeToken.OnChange(root.GetReloadToken, () => reloaded.TrySetResult());
            if (root[key] == expected) break;
            await Task.WhenAny(reloaded.Task, Task.Delay(500));
        }
        return root[key];
    }
}
