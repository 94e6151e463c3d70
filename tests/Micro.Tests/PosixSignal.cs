using System.Runtime.InteropServices;

namespace Micro.Tests;

/// <summary>The POSIX signals the tests send to the processes they start (Linux numbers).</summary>
internal enum PosixSignal
{
    Term = 15,
    Cont = 18,
    Stop = 19,
}

/// <summary>
/// Sends signals straight from the test process: a test that times what a signal sets off measures the process it
/// signals, not the start-up of a /bin/kill process (which a machine busy with other tests delays by tens of
/// milliseconds or more).
/// </summary>
internal static partial class Signals
{
    public static void Send(int pid, PosixSignal signal)
    {
        if (Kill(pid, (int)signal) != 0)
            throw new InvalidOperationException($"kill({pid}, SIG{signal.ToString().ToUpperInvariant()}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
