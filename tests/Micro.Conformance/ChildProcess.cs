using System.Diagnostics;
using Xunit;

namespace Micro.Conformance;

/// <summary>Starts a built project of this repository (folder/NAME/bin/CONFIG/net10.0/NAME.dll) with redirected output.</summary>
public static class ChildProcess
{
    public static Process Start(string folder, string name, string arguments)
    {
        var config = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Micro.slnx"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        var dll = Path.Combine(root, folder, name, "bin", config, "net10.0", name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is not built: build the solution first");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
        // Children run in the host's namespace: never let them multicast mDNS there.
        info.Environment["MICRO_REGISTRY"] = "memory";
        return Process.Start(info)!;
    }
}
