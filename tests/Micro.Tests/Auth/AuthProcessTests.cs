using System.Diagnostics;
using Micro.Auth;
using Micro.Auth.Jwt;
using Micro.Sqlite.Store;
using Micro.Store;
using Micro.Tests.Shared;
using Xunit.Abstractions;

namespace Micro.Tests.Auth;

/// <summary>
/// Real processes: the greeter example and the greeter client example, both with MICRO_AUTH=jwt over
/// one file store (SQLite, shared by processes on a host), and this test process as the admin granting
/// and revoking the rule that lets the client in.
/// </summary>
public sealed class AuthProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-auth-").FullName;
    private readonly List<Process> _processes = [];

    private Dictionary<string, string> Environment() => new()
    {
        ["MICRO_AUTH"] = "jwt",
        ["MICRO_AUTH_REFRESH_INTERVAL"] = "500ms",
        ["MICRO_STORE"] = "file",
        ["MICRO_STORE_ADDRESS"] = _folder,
        ["MICRO_REGISTRY"] = "memory",
    };

    [Fact]
    public async Task The_client_process_calls_the_greeter_process_once_a_rule_grants_it_and_not_after_it_is_revoked()
    {
        var port = TcpPorts.Free();
        var greeter = Start("Greeter", $"--address 127.0.0.1:{port}");
        await TcpPorts.WaitForListenerAsync(port, greeter, TimeSpan.FromSeconds(60));

        var (code, text) = await RunClientAsync(port);
        Assert.True(code == 1 && text.Contains("micro.forbidden (403)", StringComparison.Ordinal), text); // signed in, but no rule

        await using var store = new FileStore(new StoreOptions { Address = _folder });
        await using var admin = new JwtAuth(store, new AuthOptions { Plugin = "jwt" });
        await admin.GrantAsync(new Rule { Id = "client-greets", Scope = "service:client", Resource = new Resource("service", "greeter", "Greeter.*") });
        var clock = Stopwatch.StartNew();
        (code, text) = await RetryClientAsync(port, until: c => c.Code == 0);
        output.WriteLine($"grant applied in the greeter process after {clock.ElapsedMilliseconds} ms (refresh interval 500 ms)");
        Assert.True(code == 0 && text.Contains("Hello Ada", StringComparison.Ordinal), text);

        await admin.RevokeAsync("client-greets");
        clock.Restart();
        (code, text) = await RetryClientAsync(port, until: c => c.Code != 0);
        output.WriteLine($"revocation applied in the greeter process after {clock.ElapsedMilliseconds} ms");
        Assert.Contains("micro.forbidden (403)", text, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Text)> RetryClientAsync(int port, Func<(int Code, string Text), bool> until)
    {
        // Each try is a whole client process (start, sign in, call): bounded in count and time.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        (int Code, string Text) result;
        do result = await RunClientAsync(port);
        while (!until(result) && DateTime.UtcNow < deadline);
        return result;
    }

    private async Task<(int Code, string Text)> RunClientAsync(int port)
    {
        var client = Start("GreeterClient", $"--name Ada --address 127.0.0.1:{port}");
        var stdout = client.StandardOutput.ReadToEndAsync();
        var stderr = client.StandardError.ReadToEndAsync();
        await client.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (client.ExitCode, await stdout + await stderr);
    }

    private Process Start(string name, string arguments)
    {
        var process = Conformance.ChildProcess.StartAsUser("examples", name, arguments, Environment());
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        Conformance.ChildProcess.KillAll(_processes);
        Directory.Delete(_folder, recursive: true);
    }
}
