using System.Diagnostics;

namespace Micro.Tests.Store;

/// <summary>Starts a built project of this repository (the shared helper in Micro.Conformance).</summary>
internal static class ChildProcess
{
    public static Process Start(string folder, string name, string arguments) => Conformance.ChildProcess.Start(folder, name, arguments);
}
