namespace Micro.Cli.Tests.Infrastructure;

/// <summary>Where the repository, the built tool and the test services are (same configuration as the tests).</summary>
public static class Paths
{
    /// <summary>The folder holding Micro.slnx.</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>Debug or Release, as this test assembly was built.</summary>
    public static string Configuration { get; } = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The built micro tool.</summary>
    public static string Cli => Output("src/Micro.Cli", "Micro.Cli.dll");

    /// <summary>The greeter example (protobuf messages; Greeter.Hello and the Greeter.Chat stream).</summary>
    public static string Greeter => Output("examples/Greeter", "Greeter.dll");

    /// <summary>The inventory test service (plain JSON records; slow and failing endpoints).</summary>
    public static string Inventory => Output("tests/Micro.Cli.TestService", "Micro.Cli.TestService.dll");

    /// <summary>The npm scripts (dashboard.mjs, mcp.mjs) and their node_modules.</summary>
    public static string Scripts => Path.Combine(RepoRoot, "tests", "Micro.Cli.Tests", "js");

    /// <summary>Screenshots and logs kept after a run (git-ignored).</summary>
    public static string Artifacts => Path.Combine(RepoRoot, "tests", "Micro.Cli.Tests", "artifacts");

    private static string Output(string project, string dll)
    {
        var path = Path.Combine(RepoRoot, project, "bin", Configuration, "net10.0", dll);
        if (!File.Exists(path)) throw new InvalidOperationException($"{path} is missing: build the test project first (it builds {project})");
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Micro.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Micro.slnx not found above " + AppContext.BaseDirectory);
    }
}
