namespace Micro.Conformance.Sync;

/// <summary>
/// A child process running tests/Micro.Tests.SyncWorker: a separate holder or candidate that a test
/// can SIGKILL. It prints one line per event (HELD token, LEADER token, DONE).
/// </summary>
public sealed class SyncWorker : WorkerProcess
{
    private const string Project = "Micro.Tests.SyncWorker";

    private SyncWorker(System.Diagnostics.Process process) : base(process, Project) { }

    /// <summary>Starts the worker on <paramref name="backend"/> at <paramref name="address"/>, for key <paramref name="id"/>, doing <paramref name="args"/>.</summary>
    public static SyncWorker Start(string backend, string address, string id, params string[] args) => new(StartProcess(Project, [backend, address, id, .. args]));
}
