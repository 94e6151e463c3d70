using System.Diagnostics;
using Micro.Tests.Shared;

namespace Micro.Conformance;

/// <summary>Starts a built project of this repository (folder/NAME/bin/CONFIG/net10.0/NAME.dll) with redirected output.</summary>
public static class ChildProcess
{
    /// <summary>In the host's namespace, with the caller's environment and <c>MICRO_REGISTRY=memory</c> (never multicast mDNS there).</summary>
    public static Process Start(string folder, string name, string arguments)
    {
        var info = new ProcessStartInfo("dotnet", $"\"{RepoPaths.BuiltDll(folder, name)}\" {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["MICRO_REGISTRY"] = "memory";
        return Process.Start(info)!;
    }

    /// <summary>
    /// As a user would run it: the caller's environment minus every <c>MICRO_*</c> setting, plus <paramref name="environment"/>;
    /// inside the test-made network namespace <paramref name="netns"/> when given (mDNS is allowed only there).
    /// </summary>
    public static Process StartAsUser(string folder, string name, string arguments, IReadOnlyDictionary<string, string>? environment = null, string? netns = null)
    {
        var command = $"\"{RepoPaths.BuiltDll(folder, name)}\" {arguments}";
        var info = netns is null
            ? new ProcessStartInfo("dotnet", command) { RedirectStandardOutput = true, RedirectStandardError = true }
            : new ProcessStartInfo("ip", $"netns exec {netns} dotnet {command}") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MICRO_", StringComparison.Ordinal)).ToList()) info.Environment.Remove(key);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return Process.Start(info)!;
    }

    /// <summary>Kills what is still running (with its children) and waits a little for each to go.</summary>
    public static void KillAll(IEnumerable<Process> processes)
    {
        foreach (var process in processes)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            process.Dispose();
        }
    }
}
