using System.Runtime.InteropServices;

namespace Micro.Cli.Hosting;

/// <summary>
/// Ctrl+C and SIGTERM cancel the running command, from before it starts. System.CommandLine 2.0 registers its own
/// handler only once the action's synchronous start has returned, so a signal that lands while <c>micro config
/// watch</c> prints its first value found no handler and ended the process with 143. A second signal is not
/// intercepted: it ends a command that ignores cancellation at once.
/// </summary>
internal sealed class CliTermination : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public CliTermination()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled by the first Ctrl+C or SIGTERM.</summary>
    public CancellationToken Token => _cancel.Token;

    private void OnSignal(PosixSignalContext context)
    {
        if (_cancel.IsCancellationRequested) return;
        context.Cancel = true;
        _cancel.Cancel();
    }

    // The token source is not disposed: a signal that arrived just before the registrations went away may still be
    // handled on the runtime's signal thread, and Cancel on a disposed source would throw there and crash the exit.
    // Without a timer or linked tokens it holds nothing to release.
    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }
}
