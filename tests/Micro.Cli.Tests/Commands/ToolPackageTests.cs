using Micro.Cli.Output;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Commands;

/// <summary>The README's install: <c>dotnet pack</c> makes a .NET tool that <c>dotnet tool install</c> installs as <c>micro</c>.</summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("micro-cli-tool-").FullName;

    [Fact]
    public async Task Pack_Install_Run()
    {
        var feed = Path.Combine(_work, "feed");
        var bin = Path.Combine(_work, "bin");
        await RunAsync("dotnet", "pack", Path.Combine(Paths.RepoRoot, "src", "Micro.Cli"), "-c", Paths.Configuration, "--no-build", "-o", feed);
        await RunAsync("dotnet", "tool", "install", "--tool-path", bin, "Micro.Cli", "--add-source", feed, "--version", "0.1.0");
        var result = await RunAsync(Path.Combine(bin, "micro"), expectExit: ExitCodes.NotFound, "call", "nosuchservice", "X.Y", "{}", "--registry", "memory");
        Assert.Contains("micro.service.not_found", result, StringComparison.Ordinal);
    }

    private static Task<string> RunAsync(string file, params string[] args) => RunAsync(file, 0, args);

    private static async Task<string> RunAsync(string file, int expectExit, params string[] args)
    {
        await using var child = ChildProcess.Start(file, args, new Dictionary<string, string?> { ["MICRO_REGISTRY"] = "memory" });
        child.Input.Close();
        var code = await child.WaitForExitAsync(TimeSpan.FromMinutes(4));
        Assert.True(code == expectExit, $"{file} {string.Join(' ', args)} exited {code}: {child.Stdout} {child.Stderr}");
        return child.Stdout + child.Stderr;
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
