using System.Text.Json;
using Micro.Cli.Output;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Commands;

/// <summary><c>micro config get|watch</c>: appsettings.json, environment, a JSON file, and etcd, as a service reads them.</summary>
public sealed class ConfigCommandTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnv = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-cli-config-").FullName;

    public ConfigCommandTests() =>
        File.WriteAllText(Path.Combine(_folder, "appsettings.json"), """{"greeting":{"text":"Hi","punctuation":"!"}}""");

    [Fact]
    public async Task Get_ReadsAppSettingsAndEnvironment()
    {
        var fromFile = await HostCli.RunAsync(NoEnv, _folder, null, "config", "get", "greeting.text");
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        Assert.Equal("Hi", fromFile.Stdout.Trim());

        var fromEnv = await HostCli.RunAsync(new Dictionary<string, string?> { ["greeting__text"] = "Hello from env" }, _folder, null, "config", "get", "greeting.text");
        Assert.Equal("Hello from env", fromEnv.Stdout.Trim());

        var tree = await HostCli.RunAsync(NoEnv, _folder, null, "config", "get", "greeting", "-o", "json");
        var children = JsonDocument.Parse(tree.Stdout).RootElement.GetProperty("children");
        Assert.Equal("!", children.GetProperty("punctuation").GetString());
    }

    [Fact]
    public async Task Get_Missing_Exit3()
    {
        var result = await HostCli.RunAsync(NoEnv, _folder, null, "config", "get", "no.such.path");
        CallCommandTests.AssertOneLineError(result, ExitCodes.NotFound, "no configuration value at 'no.such.path'");
        var file = await HostCli.RunAsync(NoEnv, _folder, null, "config", "get", "x", "--file", "missing.json");
        CallCommandTests.AssertOneLineError(file, ExitCodes.NotFound, "no file");
    }

    [Fact]
    public async Task Watch_PrintsEachChangeOfAFile()
    {
        var file = Path.Combine(_folder, "live.json");
        await File.WriteAllTextAsync(file, """{"greeting":{"text":"one"}}""");
        await using var watch = HostCli.Start(NoEnv, _folder, "config", "watch", "greeting.text", "--file", file);
        Assert.Equal("one", await watch.WaitForLineAsync(_ => true, TimeSpan.FromSeconds(30)));
        // The file provider reloads on change; write until it does (one write can land before the watcher is armed).
        var next = watch.WaitForLineAsync(l => l == "two", TimeSpan.FromSeconds(30));
        for (var i = 0; i < 20 && !next.IsCompleted; i++)
        {
            await File.WriteAllTextAsync(file, """{"greeting":{"text":"two"}}""");
            await Task.WhenAny(next, Task.Delay(1000));
        }
        Assert.Equal("two", await next);
        Assert.Equal(0, await watch.TerminateAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Get_FromEtcd_UnderTheServicePrefix()
    {
        var etcd = Environment.GetEnvironmentVariable("MICRO_TEST_ETCD") ?? "127.0.0.1:23790";
        var service = "cli" + Guid.NewGuid().ToString("N")[..10];
        var key = $"/micro/config/{service}/greeting/text";
        await EtcdctlAsync(etcd, "put", key, "Bonjour");
        try
        {
            var result = await HostCli.RunAsync(new Dictionary<string, string?> { ["MICRO_CONFIG"] = "etcd", ["MICRO_CONFIG_ADDRESS"] = etcd }, _folder, null,
                "config", "get", "greeting.text", "--service", service);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("Bonjour", result.Stdout.Trim());
        }
        finally
        {
            await EtcdctlAsync(etcd, "del", key);
        }
    }

    private static async Task EtcdctlAsync(string endpoint, params string[] args)
    {
        await using var child = ChildProcess.Start("etcdctl", ["--endpoints=" + endpoint, .. args], new Dictionary<string, string?> { ["ETCDCTL_API"] = "3" });
        child.Input.Close();
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
