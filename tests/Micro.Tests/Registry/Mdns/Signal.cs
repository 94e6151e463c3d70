using System.Runtime.InteropServices;

namespace Micro.Tests.Registry.Mdns;

/// <summary>
/// POSIX signals sent straight from the test process: a test that times what a signal sets off measures the node, not
/// the start-up of a /bin/kill process (which a machine busy with other tests delays by tens of milliseconds or more).
/// </summary>
internal static partial class Signal
{
    private const int SigTerm = 15;

    public static void Terminate(int pid)
    {
        if (Kill(pid, SigTerm) != 0) throw new InvalidOperationException($"kill({pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
