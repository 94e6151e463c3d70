using System.Text.Json;
using Micro.Cli.Output;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Commands;

/// <summary><c>micro new</c> writes exactly what <c>dotnet new micro-service</c> writes from the repo's template.</summary>
public sealed class NewCommandTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnv = [];
    private readonly string _work = Directory.CreateTempSubdirectory("micro-cli-new-").FullName;

    [Fact]
    public async Task New_SameFilesAsDotnetNew()
    {
        var hive = Path.Combine(_work, "hive");
        await RunAsync("dotnet", "new", "install", Path.Combine(Paths.RepoRoot, "templates", "micro-service"), "--debug:custom-hive", hive);
        await RunAsync("dotnet", "new", "micro-service", "-n", "Orders", "-o", Path.Combine(_work, "by-dotnet"), "--MicroVersion", "9.9.9", "--debug:custom-hive", hive);

        var result = await HostCli.RunAsync(NoEnv, _work, null, "new", "Orders", "--directory", "by-micro", "--micro-version", "9.9.9", "-o", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("orders", report.GetProperty("service").GetString());

        var expected = Files(Path.Combine(_work, "by-dotnet"));
        var actual = Files(Path.Combine(_work, "by-micro"));
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (path, text) in expected) Assert.True(text == actual[path], $"{path} differs");
        Assert.Contains("\"orders\"", actual["Orders/Program.cs"], StringComparison.Ordinal);
        Assert.Contains("9.9.9", actual["Orders/Orders.csproj"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("my-service")]
    [InlineData("1st")]
    public async Task New_InvalidName_Exit2(string name)
    {
        var result = await HostCli.RunAsync(NoEnv, _work, null, "new", name);
        CallCommandTests.AssertOneLineError(result, ExitCodes.Usage, "not a valid service name");
    }

    [Fact]
    public async Task New_IntoANonEmptyFolder_Exit2()
    {
        Directory.CreateDirectory(Path.Combine(_work, "Taken"));
        File.WriteAllText(Path.Combine(_work, "Taken", "keep.txt"), "mine");
        var result = await HostCli.RunAsync(NoEnv, _work, null, "new", "Taken");
        CallCommandTests.AssertOneLineError(result, ExitCodes.Usage, "already exists");
        Assert.Equal("mine", File.ReadAllText(Path.Combine(_work, "Taken", "keep.txt")));
    }

    private static SortedDictionary<string, string> Files(string root) => new(
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllText), StringComparer.Ordinal);

    private static async Task RunAsync(string file, params string[] args)
    {
        await using var child = ChildProcess.Start(file, args);
        child.Input.Close();
        var code = await child.WaitForExitAsync(TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"{file} {string.Join(' ', args)}: {child.Stdout} {child.Stderr}");
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
