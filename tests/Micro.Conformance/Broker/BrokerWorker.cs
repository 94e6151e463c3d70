namespace Micro.Conformance.Broker;

/// <summary>A child process running tests/Micro.Tests.BrokerWorker (a subscribing service or a publisher), killable with SIGKILL.</summary>
public sealed class BrokerWorker : WorkerProcess
{
    private const string Project = "Micro.Tests.BrokerWorker";

    private BrokerWorker(System.Diagnostics.Process process) : base(process, Project) { }

    /// <summary>Starts the worker with <paramref name="environment"/> (broker, registry, outbox) and <paramref name="args"/>.</summary>
    public static BrokerWorker Start(IReadOnlyDictionary<string, string> environment, params string[] args) => new(StartProcess(Project, args, environment));
}
