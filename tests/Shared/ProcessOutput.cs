using System.Diagnostics;

namespace Micro.Tests.Shared;

/// <summary>What to do with a child process's redirected output (linked into the test projects and benchmarks that start children).</summary>
internal static class ProcessOutput
{
    /// <summary>Reads and drops stdout and stderr, so that a chatty child never blocks on a full pipe; returns the process.</summary>
    public static Process DiscardOutput(this Process process)
    {
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
