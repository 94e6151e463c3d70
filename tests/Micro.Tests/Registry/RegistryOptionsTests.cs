using Micro.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro.Tests.Registry;

public sealed class RegistryOptionsTests
{
    private static RegistryOptions Read(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddMicroOptions<RegistryOptions>("Registry");
        return services.BuildServiceProvider().GetRequiredService<IOptions<RegistryOptions>>().Value;
    }

    [Fact]
    public void Settings_come_from_the_registry_section_with_micro_durations_and_lists()
    {
        var options = Read(new()
        {
            ["Micro:Registry:Plugin"] = "etcd",
            ["Micro:Registry:Address"] = "10.0.0.5:2379",
            ["Micro:Registry:Interfaces"] = "eth1, eth2",
            ["Micro:Registry:QueryTimeout"] = "250ms",
            ["Micro:Registry:MaxCachedNodes"] = "100",
        });
        Assert.Equal("etcd", options.Plugin);
        Assert.Equal("10.0.0.5:2379", options.Address);
        Assert.Equal(["eth1", "eth2"], options.Interfaces);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.QueryTimeout);
        Assert.Equal(100, options.MaxCachedNodes);
    }

    [Fact]
    public void A_limit_that_cannot_work_is_reported_by_name()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(new() { ["Micro:Registry:MaxCachedNodes"] = "0" }));
        Assert.Contains("Micro:Registry:MaxCachedNodes", error.Message);
    }
}
