using Micro.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Micro.Tests.Options;

public class MicroOptionsTests
{
    private sealed class SampleOptions : IPluginOptions
    {
        public string? Plugin { get; set; }
        public string? Address { get; set; }
        public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);
        public int MaxMessageSize { get; set; } = 4096;
        public bool Enabled { get; set; }
        public IReadOnlyList<string>? Interfaces { get; set; }

        public void Read(MicroSettings s)
        {
            Plugin = s.Plugin ?? Plugin;
            Address = s.String(nameof(Address)) ?? Address;
            SweepInterval = s.Duration(nameof(SweepInterval)) ?? SweepInterval;
            MaxMessageSize = s.Int32(nameof(MaxMessageSize)) ?? MaxMessageSize;
            Enabled = s.Boolean(nameof(Enabled)) ?? Enabled;
            Interfaces = s.List(nameof(Interfaces)) ?? Interfaces;
        }

        public IEnumerable<string> Validate()
        {
            if (SweepInterval <= TimeSpan.Zero) yield return $"{MicroSettings.Describe("Sample", nameof(SweepInterval))} must be positive";
            if (Plugin == "net" && Address is null) yield return $"{MicroSettings.Describe("Sample", nameof(Address))} is required for plug-in 'net'";
        }
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? before = null, Action<IServiceCollection>? after = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        before?.Invoke(services);
        services.AddMicroOptions<SampleOptions>("Sample");
        after?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static SampleOptions Value(ServiceProvider sp) => sp.GetRequiredService<IOptions<SampleOptions>>().Value;

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("00:00:05", 5_000)]
    [InlineData(" 00:01:00 ", 60_000)]
    public void Durations_accept_units_and_timespans(string text, double ms) =>
        Assert.Equal(TimeSpan.FromMilliseconds(ms), MicroDuration.Parse(text));

    [Theory]
    [InlineData("5x")]
    [InlineData("s")]
    [InlineData("")]
    [InlineData("NaNs")]
    [InlineData("1e300s")]
    public void Bad_durations_are_refused(string text) => Assert.False(MicroDuration.TryParse(text, out _));

    [Fact]
    public void Settings_are_read_from_the_section_and_from_the_shortcuts_with_matching_names()
    {
        using var section = Build(new()
        {
            ["Micro:Sample:Plugin"] = "net", ["Micro:Sample:Address"] = "10.0.0.1:1", ["Micro:Sample:SweepInterval"] = "00:00:02",
            ["Micro:Sample:MaxMessageSize"] = "10", ["Micro:Sample:Enabled"] = "true",
            ["Micro:Sample:Interfaces:0"] = "eth1", ["Micro:Sample:Interfaces:1"] = "eth2",
        });
        var a = Value(section);
        Assert.Equal(("net", "10.0.0.1:1", TimeSpan.FromSeconds(2), 10, true), (a.Plugin, a.Address, a.SweepInterval, a.MaxMessageSize, a.Enabled));
        Assert.Equal(["eth1", "eth2"], a.Interfaces);

        using var env = Build(new()
        {
            ["MICRO_SAMPLE"] = "net", ["MICRO_SAMPLE_ADDRESS"] = "10.0.0.2:2", ["MICRO_SAMPLE_SWEEP_INTERVAL"] = "2s",
            ["MICRO_SAMPLE_MAX_MESSAGE_SIZE"] = "11", ["MICRO_SAMPLE_ENABLED"] = "yes", ["MICRO_SAMPLE_INTERFACES"] = "eth1, eth2",
            ["Micro:Sample:Address"] = "ignored: the shortcut wins",
        });
        var b = Value(env);
        Assert.Equal(("net", "10.0.0.2:2", TimeSpan.FromSeconds(2), 11, true), (b.Plugin, b.Address, b.SweepInterval, b.MaxMessageSize, b.Enabled));
        Assert.Equal(["eth1", "eth2"], b.Interfaces);
    }

    [Fact]
    public void A_plain_section_value_names_the_plugin()
    {
        using var sp = Build(new() { ["Micro:Sample"] = "memory" });
        Assert.Equal("memory", Value(sp).Plugin);
    }

    [Fact]
    public void Code_wins_over_configuration_whether_registered_before_or_after()
    {
        var settings = new Dictionary<string, string?> { ["MICRO_SAMPLE_SWEEP_INTERVAL"] = "9s" };
        using var before = Build(settings, before: s => s.Configure<SampleOptions>(o => o.SweepInterval = TimeSpan.FromSeconds(1)));
        using var after = Build(settings, after: s => s.AddMicroOptions<SampleOptions>("Sample", o => o.SweepInterval = TimeSpan.FromSeconds(2)));
        using var none = Build(settings);
        Assert.Equal(TimeSpan.FromSeconds(1), Value(before).SweepInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), Value(after).SweepInterval);
        Assert.Equal(TimeSpan.FromSeconds(9), Value(none).SweepInterval);
    }

    [Fact]
    public void Invalid_values_fail_with_a_message_that_names_the_setting()
    {
        using var bad = Build(new() { ["MICRO_SAMPLE_SWEEP_INTERVAL"] = "-1s" });
        var e = Assert.Throws<OptionsValidationException>(() => Value(bad));
        Assert.Contains("Micro:Sample:SweepInterval (MICRO_SAMPLE_SWEEP_INTERVAL) must be positive", e.Message);

        using var unparsable = Build(new() { ["Micro:Sample:MaxMessageSize"] = "lots" });
        e = Assert.Throws<OptionsValidationException>(() => Value(unparsable));
        Assert.Contains("Micro:Sample:MaxMessageSize (MICRO_SAMPLE_MAX_MESSAGE_SIZE): 'lots' is not a whole number", e.Message);

        using var missing = Build(new() { ["MICRO_SAMPLE"] = "net" });
        e = Assert.Throws<OptionsValidationException>(() => Value(missing));
        Assert.Contains("MICRO_SAMPLE_ADDRESS", e.Message);
    }

    [Fact]
    public async Task Validation_runs_when_the_host_starts_not_at_first_use()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["MICRO_SAMPLE_SWEEP_INTERVAL"] = "0s" });
        builder.Services.AddMicroOptions<SampleOptions>("Sample");
        using var host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("MICRO_SAMPLE_SWEEP_INTERVAL", e.Message);
    }

    [Fact]
    public void UsePlugin_forces_the_plugin_over_configuration_and_configures_its_options()
    {
        using var sp = Build(new() { ["MICRO_SAMPLE"] = "other" },
            after: s => s.UsePlugin<SampleOptions>("Sample", "net", o => o.Address = "127.0.0.1:9"));
        Assert.Equal(("net", "127.0.0.1:9"), (Value(sp).Plugin, Value(sp).Address));
    }
}
