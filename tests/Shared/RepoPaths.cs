namespace Micro.Tests.Shared;

/// <summary>Where this repository and its built projects are, seen from a test or benchmark running from its bin folder (linked into each).</summary>
internal static class RepoPaths
{
    /// <summary>The folder holding Micro.slnx.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The built assembly of the project <paramref name="folder"/>/<paramref name="name"/>: in this build's configuration
    /// (Release or Debug), else the other one; a clear error names what to build when neither exists.
    /// </summary>
    public static string BuiltDll(string folder, string name)
    {
        var current = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        foreach (var configuration in new[] { current, current == "Release" ? "Debug" : "Release" })
        {
            var path = Path.Combine(Root, folder, name, "bin", configuration, "net10.0", name + ".dll");
            if (File.Exists(path)) return path;
        }
        throw new InvalidOperationException($"{folder}/{name} is not built: build it (or the solution) first");
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Micro.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Micro.slnx above {AppContext.BaseDirectory}");
    }
}
