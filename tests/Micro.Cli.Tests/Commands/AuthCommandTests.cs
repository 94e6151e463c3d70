using System.Text.Json;
using Micro.Cli.Output;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Commands;

/// <summary>
/// <c>micro auth</c> against a greeter that enforces auth (MICRO_AUTH=jwt), both on one file store: an account and a rule
/// made with the tool let a token from the tool call the greeter; without a token, or after the rule is revoked, it is refused.
/// </summary>
public sealed class AuthCommandTests : IAsyncLifetime
{
    private readonly TestNetwork _network = new();
    private readonly string _store = Directory.CreateTempSubdirectory("micro-cli-auth-").FullName;

    private Dictionary<string, string?> Env => new() { ["MICRO_STORE"] = "file", ["MICRO_STORE_ADDRESS"] = _store };

    public Task InitializeAsync() => _network.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _network.DisposeAsync();
        Directory.Delete(_store, recursive: true);
    }

    [Fact]
    public async Task Auth_AccountRuleToken_GovernCalls()
    {
        var created = await _network.MicroWithAsync(Env, null, "auth", "accounts", "create", "ada", "--scope", "people", "-o", "json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var secret = JsonDocument.Parse(created.Stdout).RootElement.GetProperty("secret").GetString()!;
        Assert.Equal(0, (await _network.MicroWithAsync(Env, null, "auth", "rules", "grant", "greeter-people", "-r", "service:greeter:*", "--scope", "people")).ExitCode);
        var rules = await _network.MicroWithAsync(Env, null, "auth", "rules", "list", "-o", "json");
        Assert.Contains(JsonDocument.Parse(rules.Stdout).RootElement.EnumerateArray(), r => r.GetProperty("id").GetString() == "greeter-people");

        _network.StartWith(new Dictionary<string, string?>(Env) { ["MICRO_AUTH"] = "jwt" }, "dotnet", Paths.Greeter);
        await _network.WaitForNodesAsync("greeter", 1);

        var anonymous = await _network.MicroAsync("call", "greeter", "Greeter.Hello", """{"name":"Ada"}""");
        CallCommandTests.AssertOneLineError(anonymous, ExitCodes.Rejected, "micro.unauthorized");

        var token = await _network.MicroWithAsync(Env, secret + "\n", "auth", "token", "--id", "ada", "-a", "greeter");
        Assert.True(token.ExitCode == 0, token.ToString());
        var bearer = "authorization=Bearer " + token.Stdout.Trim();
        var allowed = await _network.MicroAsync("call", "greeter", "Greeter.Hello", """{"name":"Ada"}""", "-m", bearer);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Contains("Hello Ada", allowed.Stdout, StringComparison.Ordinal);

        var wrongSecret = await _network.MicroWithAsync(Env, "nope\n", "auth", "token", "--id", "ada", "-a", "greeter");
        CallCommandTests.AssertOneLineError(wrongSecret, ExitCodes.Rejected, "micro.unauthorized");

        Assert.Equal(0, (await _network.MicroWithAsync(Env, null, "auth", "rules", "revoke", "greeter-people")).ExitCode);
        CliResult? refused = null;
        for (var i = 0; i < 30; i++) // the greeter re-reads rules every 5 s
        {
            refused = await _network.MicroAsync("call", "greeter", "Greeter.Hello", """{"name":"Ada"}""", "-m", bearer);
            if (refused.ExitCode != 0) break;
            await Task.Delay(500);
        }
        CallCommandTests.AssertOneLineError(refused!, ExitCodes.Rejected, "micro.forbidden");
    }

    [Fact]
    public async Task Auth_BadInput_OneLineErrors()
    {
        CallCommandTests.AssertOneLineError(await _network.MicroWithAsync(Env, null, "auth", "rules", "grant", "x", "-r", "greeter"), ExitCodes.Usage, "type:name:endpoint");
        Assert.Equal(ExitCodes.Usage, (await _network.MicroWithAsync(Env, null, "auth", "rules", "grant", "x")).ExitCode); // --resource is required
        CallCommandTests.AssertOneLineError(await _network.MicroWithAsync(Env, "\n", "auth", "token", "--id", "ada", "-a", "greeter"), ExitCodes.Usage, "no secret");
    }
}
