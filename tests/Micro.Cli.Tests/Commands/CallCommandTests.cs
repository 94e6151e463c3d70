using System.Text.Json;
using Micro.Cli.Output;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Commands;

/// <summary><c>micro call</c> and <c>micro stream</c> against real nodes discovered over mDNS, good input and bad.</summary>
[Collection(nameof(ServicesCollection))]
public sealed class CallCommandTests(ServicesFixture services)
{
    private TestNetwork Net => services.Network;

    [Fact]
    public async Task Call_ProtobufHandler_WithJson_RepliesHelloAda()
    {
        var result = await Net.MicroAsync("call", "greeter", "Greeter.Hello", """{"name":"Ada"}""");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("Hello Ada", JsonDocument.Parse(result.Stdout).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Call_BodyFromStdin_JsonOutputIsOneCompactLine()
    {
        var result = await Net.MicroWithInputAsync("""{"id":"a1","count":3}""", "call", "inventory", "Items.Get", "-", "--output", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("""{"id":"a1","name":"item a1","count":3}""", result.Stdout.Trim());
    }

    [Fact]
    public async Task Call_WithAddress_SkipsTheRegistry()
    {
        using var describe = JsonDocument.Parse((await Net.MicroAsync("describe", "greeter", "-o", "json")).Stdout);
        var address = describe.RootElement[0].GetProperty("nodes")[0].GetProperty("address").GetString()!;
        var result = await Net.MicroAsync("call", "greeter", "Greeter.Hello", """{"name":"Bo"}""", "--address", address, "--metadata", "trace=1", "--timeout", "5s");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Hello Bo", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_UnknownService_Exit3_OneLine()
    {
        var result = await Net.MicroAsync("call", "nosuchservice", "X.Y", "{}");
        AssertOneLineError(result, ExitCodes.NotFound, "micro.service.not_found");
    }

    [Fact]
    public async Task Call_UnknownEndpoint_Exit3()
    {
        var result = await Net.MicroAsync("call", "greeter", "Greeter.Nope", "{}");
        AssertOneLineError(result, ExitCodes.NotFound, "micro.endpoint.not_found");
    }

    [Fact]
    public async Task Call_MalformedJson_Exit2_WithoutStackTrace()
    {
        var result = await Net.MicroAsync("call", "greeter", "Greeter.Hello", """{"name":""");
        AssertOneLineError(result, ExitCodes.Usage, "malformed JSON request");
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_Verbose_AddsTheStackTrace()
    {
        var result = await Net.MicroAsync("call", "nosuchservice", "X.Y", "{}", "--verbose");
        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Contains("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_WrongTypes_ProtobufMessage_Exit4()
    {
        var result = await Net.MicroAsync("call", "greeter", "Greeter.Hello", """{"name":5}""");
        AssertOneLineError(result, ExitCodes.Rejected, "micro.payload.malformed");
    }

    [Fact]
    public async Task Call_WrongTypes_PlainRecord_Exit4_AsJsonError()
    {
        var result = await Net.MicroAsync("call", "inventory", "Items.Get", """{"id":"a","count":"many"}""", "-o", "json");
        Assert.Equal(ExitCodes.Rejected, result.ExitCode);
        var error = JsonDocument.Parse(Assert.Single(result.ErrorLines)).RootElement.GetProperty("error");
        Assert.Equal("micro.payload.malformed", error.GetProperty("id").GetString());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Equal(ExitCodes.Rejected, error.GetProperty("exitCode").GetInt32());
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Call_UnreachableNode_Exit5()
    {
        var result = await Net.MicroAsync("call", "greeter", "Greeter.Hello", "{}", "--address", "127.0.0.1:1");
        AssertOneLineError(result, ExitCodes.Unavailable, "micro.unavailable");
    }

    [Fact]
    public async Task Call_DeadlinePasses_Exit6()
    {
        var result = await Net.MicroAsync("call", "inventory", "Items.Slow", """{"ms":10000}""", "--timeout", "300ms");
        AssertOneLineError(result, ExitCodes.Timeout, "micro.deadline_exceeded");
    }

    [Fact]
    public async Task Call_HandlerThrows_Exit7_WithoutItsMessage()
    {
        var result = await Net.MicroAsync("call", "inventory", "Items.Fail", "{}");
        AssertOneLineError(result, ExitCodes.ServiceError, "micro.internal");
        Assert.DoesNotContain("inventory is broken", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--metadata", "novalue")]
    [InlineData("--timeout", "soon")]
    public async Task Call_BadOption_Exit2(string option, string value)
    {
        var result = await Net.MicroAsync("call", "greeter", "Greeter.Hello", "{}", option, value);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Single(result.ErrorLines);
    }

    [Fact]
    public async Task Stream_Bidi_OneJsonLineInOneOut()
    {
        var result = await Net.MicroWithInputAsync("{\"name\":\"Ada\"}\n\n{\"name\":\"Bo\"}\n", "stream", "greeter", "Greeter.Chat");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["""{"message":"Hello Ada"}""", """{"message":"Hello Bo"}"""], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Stream_MalformedLine_Exit2_NamesTheLine()
    {
        var result = await Net.MicroWithInputAsync("{\"name\":\"Ada\"}\n{oops\n", "stream", "greeter", "Greeter.Chat");
        AssertOneLineError(result, ExitCodes.Usage, "line 2");
    }

    [Fact]
    public async Task Stream_UnaryEndpoint_Exit2()
    {
        var result = await Net.MicroWithInputAsync("{}\n", "stream", "greeter", "Greeter.Hello");
        AssertOneLineError(result, ExitCodes.Usage, "not a streaming endpoint");
    }

    [Fact]
    public async Task Stream_UnknownService_Exit3()
    {
        var result = await Net.MicroWithInputAsync("{}\n", "stream", "nosuchservice", "X.Y");
        AssertOneLineError(result, ExitCodes.NotFound, "micro.service.not_found");
    }

    internal static void AssertOneLineError(CliResult result, int exitCode, string contains)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("micro: ", line, StringComparison.Ordinal);
        Assert.Contains(contains, line, StringComparison.Ordinal);
    }
}

/// <summary>Test classes that share one namespace with a greeter and an inventory node.</summary>
[CollectionDefinition(nameof(ServicesCollection))]
public sealed class ServicesCollection : ICollectionFixture<ServicesFixture>;
