using System.Text.Json;
using Micro.Cli.Output;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Commands;

/// <summary><c>micro store</c> across processes: the file store in a temp folder, and the shared Redis server.</summary>
public sealed class StoreCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-cli-store-").FullName;
    private readonly string _table = "cli" + Guid.NewGuid().ToString("N")[..12];

    private Dictionary<string, string?> FileStore => new() { ["MICRO_STORE"] = "file", ["MICRO_STORE_ADDRESS"] = _folder };

    [Fact]
    public async Task FileStore_WriteReadListDelete_AcrossProcesses()
    {
        var written = await RunAsync(FileStore, "store", "write", "user/ada", "Ada Lovelace", "--table", _table, "-m", "kind=person", "-o", "json");
        Assert.True(written.ExitCode == 0, written.ToString());
        Assert.Equal(1, JsonDocument.Parse(written.Stdout).RootElement.GetProperty("version").GetInt64());
        Assert.Equal(0, (await HostCli.RunAsync(FileStore, null, "Bo", "store", "write", "user/bo", "-", "--table", _table)).ExitCode);

        var read = await RunAsync(FileStore, "store", "read", "user/ada", "--table", _table);
        Assert.Equal("Ada Lovelace", read.Stdout.Trim());
        var json = JsonDocument.Parse((await RunAsync(FileStore, "store", "read", "user/ada", "--table", _table, "-o", "json")).Stdout).RootElement;
        Assert.Equal("person", json.GetProperty("metadata").GetProperty("kind").GetString());

        var list = await RunAsync(FileStore, "store", "list", "--prefix", "user/", "--table", _table, "-o", "json");
        Assert.Equal(["user/ada", "user/bo"], JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Select(k => k.GetString()));
        var prefixed = await RunAsync(FileStore, "store", "read", "user/", "--prefix", "--table", _table);
        Assert.Contains("Bo", prefixed.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync(FileStore, "store", "delete", "user/ada", "--table", _table)).ExitCode);
        var missing = await RunAsync(FileStore, "store", "read", "user/ada", "--table", _table);
        CallCommandTests.AssertOneLineError(missing, ExitCodes.NotFound, "no record 'user/ada'");
    }

    [Fact]
    public async Task Store_BadInput_OneLineErrors()
    {
        CallCommandTests.AssertOneLineError(await RunAsync(FileStore, "store", "write", "k", "v", "--ttl", "forever"), ExitCodes.Usage, "--ttl");
        CallCommandTests.AssertOneLineError(await RunAsync(FileStore, "store", "write", "k", "v", "--table", "no spaces"), ExitCodes.Rejected, "micro.store");
        CallCommandTests.AssertOneLineError(await RunAsync(FileStore, "store", "read", "", "--table", _table), ExitCodes.Rejected, "micro.store.invalid_key");
        var usage = await RunAsync(FileStore, "store");
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
    }

    [Fact]
    public async Task RedisStore_ChosenByTheSameSettingsAsServices()
    {
        var redis = new Dictionary<string, string?> { ["MICRO_STORE"] = "redis", ["MICRO_STORE_ADDRESS"] = Environment.GetEnvironmentVariable("MICRO_TEST_REDIS") ?? "127.0.0.1:63790" };
        try
        {
            var written = await RunAsync(redis, "store", "write", "greeting", "hello", "--table", _table, "--ttl", "1m");
            Assert.True(written.ExitCode == 0, written.ToString());
            var read = await RunAsync(redis, "store", "read", "greeting", "--table", _table, "-o", "json");
            var record = JsonDocument.Parse(read.Stdout).RootElement;
            Assert.Equal("hello", record.GetProperty("value").GetString());
            Assert.True(record.GetProperty("expiry").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        }
        finally
        {
            await RunAsync(redis, "store", "delete", "greeting", "--table", _table);
        }
    }

    private static Task<CliResult> RunAsync(Dictionary<string, string?> env, params string[] args) => HostCli.RunAsync(env, null, null, args);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
