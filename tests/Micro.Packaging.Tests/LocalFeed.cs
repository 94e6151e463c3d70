namespace Micro.Packaging.Tests;

/// <summary>
/// The repository's src projects packed once per test run into a private folder, with a version of their own
/// (so NuGet's global cache never serves a stale copy of an earlier run), and a nuget.config that adds it.
/// </summary>
public sealed class LocalFeed : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("micro-feed-").FullName;
    public string Version { get; } = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    public async Task InitializeAsync()
    {
        // The solution is built in Release before the tests run (scripts/test.sh): pack what was built.
        var config = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        foreach (var project in Directory.GetDirectories(Path.Combine(Dotnet.RepoRoot, "src")))
            await Dotnet.RunOkAsync("dotnet", $"pack \"{project}\" -c {config} --no-build -o \"{Folder}\" -p:PackageVersion={Version}",
                Dotnet.RepoRoot, TimeSpan.FromMinutes(3));
    }

    /// <summary>Writes a nuget.config into <paramref name="directory"/> that adds this feed to the user's sources.</summary>
    public void WriteNugetConfig(string directory) => File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration><packageSources><add key="micro-local" value="{Folder}" /></packageSources></configuration>
        """);

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}
