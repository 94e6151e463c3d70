using Micro.Plugins;
using Micro.Registry;
using Micro.Selector;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Plugins;

public class PluginSelectionTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        configure?.Invoke(services);
        services.AddMicro();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Configuration_picks_the_plugin_by_name_in_either_spelling()
    {
        using var env = Build(new() { ["MICRO_SELECTOR"] = "roundrobin" });
        Assert.IsType<RoundRobinSelector>(env.GetRequiredService<ISelector>());
        using var section = Build(new() { ["Micro:Selector"] = "RoundRobin" });
        Assert.IsType<RoundRobinSelector>(section.GetRequiredService<ISelector>());
        using var fallback = Build(new());
        Assert.IsType<PowerOfTwoChoicesSelector>(fallback.GetRequiredService<ISelector>());
    }

    [Fact]
    public void An_unknown_plugin_name_is_a_clear_error_listing_the_known_ones()
    {
        using var provider = Build(new() { ["MICRO_REGISTRY"] = "consul" });
        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IRegistry>());
        Assert.Contains("(MICRO_REGISTRY) = consul", e.Message);
        Assert.Contains("memory", e.Message);
    }

    [Fact]
    public void A_registration_in_code_wins_over_configuration()
    {
        var mine = new MemoryRegistry();
        using var provider = Build(new() { ["MICRO_REGISTRY"] = "consul" }, s => s.AddSingleton<IRegistry>(mine));
        Assert.Same(mine, provider.GetRequiredService<IRegistry>());
    }
}
