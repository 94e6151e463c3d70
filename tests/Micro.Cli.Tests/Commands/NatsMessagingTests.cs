using System.Text.Json;
using Micro.Cli.Output;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Commands;

/// <summary>
/// <c>micro publish</c> and <c>micro subscribe</c> with MICRO_BROKER=nats-core on the shared NATS server (a unique topic per
/// run; core NATS makes no streams), and an unreachable NATS server as a one-line error.
/// </summary>
public sealed class NatsMessagingTests
{
    private static readonly string NatsAddress = "nats://" + (Environment.GetEnvironmentVariable("MICRO_TEST_NATS") ?? "127.0.0.1:42220");

    private static Dictionary<string, string?> Nats(string plugin, string address) => new()
    {
        ["MICRO_BROKER"] = plugin,
        ["MICRO_BROKER_ADDRESS"] = address,
    };

    [Fact]
    public async Task NatsCore_TailGetsWhatIsPublished()
    {
        var topic = "micro-cli-test." + Guid.NewGuid().ToString("N");
        await using var tail = HostCli.Start(Nats("nats-core", NatsAddress), null, "subscribe", topic, "--count", "1", "--timeout", "60s");
        await tail.WaitForErrorLineAsync(l => l.StartsWith("subscribed to " + topic + " on the nats-core broker", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        var published = await HostCli.RunAsync(Nats("nats-core", NatsAddress), null, null, "publish", topic, """{"n":1}""", "-m", "k=v", "-o", "json");
        Assert.True(published.ExitCode == 0, published.ToString());
        var id = JsonDocument.Parse(published.Stdout).RootElement.GetProperty("id").GetString();

        Assert.True(await tail.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, tail.Stderr);
        var line = JsonDocument.Parse(tail.Stdout).RootElement;
        Assert.Equal(id, line.GetProperty("id").GetString());
        Assert.Equal(1, line.GetProperty("body").GetProperty("n").GetInt32());
        Assert.Equal("v", line.GetProperty("headers").GetProperty("k").GetString());
    }

    [Theory]
    [InlineData("publish", "a.b", "{}")]
    [InlineData("subscribe", "a.b")]
    public async Task NatsUnreachable_Exit5_OneLine(params string[] args)
    {
        var result = await HostCli.RunAsync(Nats("nats", "nats://127.0.0.1:1"), null, null, args);
        CallCommandTests.AssertOneLineError(result, ExitCodes.Unavailable, "micro.broker.unavailable");
    }
}
