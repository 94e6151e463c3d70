using System.Diagnostics;
using System.Text.Json;
using Micro.Cli.Output;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Commands;

/// <summary>
/// <c>micro publish</c> and <c>micro subscribe</c> with the default HTTP broker over mDNS, beside a real service that
/// subscribes to inventory.events in its own group and publishes through its own client; good input and bad.
/// </summary>
[Collection(nameof(ServicesCollection))]
public sealed class MessagingCommandTests(ServicesFixture services)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private TestNetwork Net => services.Network;

    [Fact]
    public async Task Subscribe_TailSeesCliAndServiceMessages_ServiceGroupStillGetsThem_LeavesTheRegistry()
    {
        var tail = Net.StartDotnet(Paths.Cli, "subscribe", "inventory.events", "--count", "2", "--timeout", "60s");
        await tail.WaitForErrorLineAsync(l => l.StartsWith("subscribed to inventory.events on the http broker", StringComparison.Ordinal), Wait);
        await Net.WaitForNodesAsync("micro.broker.inventory.events", 2); // the service's subscription and the tail's

        var published = await Net.MicroAsync("publish", "inventory.events", """{"text":"from-cli"}""", "--metadata", "trace=t1");
        Assert.True(published.ExitCode == 0, published.ToString());
        var cliId = published.Stdout.Trim();
        Assert.True(Guid.TryParse(cliId, out _), published.ToString());

        var byService = await Net.MicroAsync("call", "inventory", "Items.Publish", """{"topic":"inventory.events","text":"from-service"}""", "-o", "json");
        Assert.True(byService.ExitCode == 0, byService.ToString());
        var serviceId = JsonDocument.Parse(byService.Stdout).RootElement.GetProperty("id").GetString();

        Assert.True(await tail.WaitForExitAsync(Wait) == 0, $"published {cliId} and {serviceId}; the tail printed:\n{tail.Stdout}\n{tail.Stderr}");
        var lines = tail.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        var fromCli = lines.Single(l => l.GetProperty("id").GetString() == cliId);
        Assert.Equal("inventory.events", fromCli.GetProperty("topic").GetString());
        Assert.Equal("from-cli", fromCli.GetProperty("body").GetProperty("text").GetString());
        Assert.Equal("t1", fromCli.GetProperty("headers").GetProperty("trace").GetString());
        Assert.Equal("application/json", fromCli.GetProperty("headers").GetProperty("datacontenttype").GetString());
        Assert.Equal("inventory.events", fromCli.GetProperty("headers").GetProperty("type").GetString()); // the topic, not the tool's byte wrapper
        Assert.StartsWith("broadcast-", fromCli.GetProperty("group").GetString(), StringComparison.Ordinal);
        var fromService = lines.Single(l => l.GetProperty("id").GetString() == serviceId);
        Assert.Equal("from-service", fromService.GetProperty("body").GetProperty("text").GetString());
        Assert.Equal("inventory", fromService.GetProperty("headers").GetProperty("source").GetString());

        // The tail took nothing away: the service's group got both messages too.
        await WaitUntilAsync(async () =>
        {
            var received = await Net.MicroAsync("call", "inventory", "Items.Received", "{}", "-o", "json");
            var texts = JsonDocument.Parse(received.Stdout).RootElement.GetProperty("texts").EnumerateArray().Select(t => t.GetString()).ToList();
            return texts.Contains("from-cli") && texts.Contains("from-service");
        });
        // And it left the registry on exit: only the service's subscription remains.
        await Net.WaitForNodesAsync("micro.broker.inventory.events", 1);
    }

    [Fact]
    public async Task Subscribe_Group_TakesMessagesAsAMember_JsonPublishResult()
    {
        var topic = "cli.group." + Guid.NewGuid().ToString("N")[..8];
        var tail = Net.StartDotnet(Paths.Cli, "subscribe", topic, "--group", "tailers", "--count", "1", "--timeout", "60s");
        await tail.WaitForErrorLineAsync(l => l.Contains("group tailers", StringComparison.Ordinal), Wait);

        var published = await Net.MicroWithInputAsync("""["a", 1, null]""", "publish", topic, "-", "--id", "my-id-1", "-m", "type=com.example.list", "-o", "json");
        Assert.True(published.ExitCode == 0, published.ToString());
        var result = JsonDocument.Parse(published.Stdout).RootElement;
        Assert.Equal("my-id-1", result.GetProperty("id").GetString());
        Assert.Equal("http", result.GetProperty("broker").GetString());

        Assert.True(await tail.WaitForExitAsync(Wait) == 0, tail.Stderr);
        var line = JsonDocument.Parse(tail.Stdout).RootElement;
        Assert.Equal("tailers", line.GetProperty("group").GetString());
        Assert.Equal("my-id-1", line.GetProperty("id").GetString());
        Assert.Equal("""["a",1,null]""", line.GetProperty("body").GetRawText());
        Assert.Equal("com.example.list", line.GetProperty("headers").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Publish_NoSubscriber_Exit5_OneLine()
    {
        var result = await Net.MicroAsync("publish", "nobody.listens", "{}", "--timeout", "3s");
        CallCommandTests.AssertOneLineError(result, ExitCodes.Unavailable, "not delivered within 3s");
    }

    [Fact]
    public async Task Publish_OversizedMessage_Exit2()
    {
        var big = "\"" + new string('x', 1024 * 1024 + 10) + "\"";
        var result = await Net.MicroWithInputAsync(big, "publish", "inventory.events", "-");
        CallCommandTests.AssertOneLineError(result, ExitCodes.Usage, "the broker's limit is 1048576");
    }

    [Fact]
    public async Task Publish_IllegalTopic_Exit2_AsJsonError()
    {
        var result = await Net.MicroAsync("publish", "no spaces", "{}", "-o", "json");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var error = JsonDocument.Parse(Assert.Single(result.ErrorLines)).RootElement.GetProperty("error");
        Assert.Equal("micro.broker.illegal_topic", error.GetProperty("id").GetString());
        Assert.Equal(ExitCodes.Usage, error.GetProperty("exitCode").GetInt32());
    }

    [Theory]
    [InlineData("malformed JSON message", "publish", "inventory.events", "{\"text\":")]
    [InlineData("must be key=value", "publish", "inventory.events", "{}", "--metadata", "novalue")]
    [InlineData("not a positive duration", "publish", "inventory.events", "{}", "--timeout", "soon")]
    [InlineData("illegal topic", "publish", "a..b", "{}")]
    [InlineData("illegal topic", "subscribe", "orders.*")]
    [InlineData("illegal group", "subscribe", "inventory.events", "--group", "two words")]
    [InlineData("--count must be positive", "subscribe", "inventory.events", "--count", "0")]
    [InlineData("--listen", "subscribe", "inventory.events", "--listen", "somewhere")]
    public async Task BadInput_Exit2_OneLine(string contains, params string[] args)
    {
        var result = await Net.MicroAsync(args);
        CallCommandTests.AssertOneLineError(result, ExitCodes.Usage, contains);
    }

    [Fact]
    public async Task Subscribe_TimeoutBeforeCount_Exit6()
    {
        var result = await Net.MicroAsync("subscribe", "quiet.topic", "--count", "1", "--timeout", "1s");
        Assert.True(result.ExitCode == ExitCodes.Timeout, result.ToString());
        // stderr: the "subscribed to" notice, then the one error line.
        Assert.Equal("micro: 0 of 1 messages on quiet.topic within 1s", Assert.Single(result.ErrorLines, l => l.StartsWith("micro: ", StringComparison.Ordinal)));
        Assert.Equal("", result.Stdout);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Wait) throw new TimeoutException("condition never held");
            await Task.Delay(200);
        }
    }
}
