namespace Micro.Server.Internal;

/// <summary>Counts calls in flight and refuses new ones once shutdown has begun, so callers retry elsewhere.</summary>
internal sealed class ServerState
{
    private int _inFlight;
    private volatile bool _draining;
    private TaskCompletionSource? _drained;
    private readonly CancellationTokenSource _drainingSignal = new();

    public bool Draining => _draining;
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>True once the registry has accepted this node (health: not ready before).</summary>
    public bool Registered { get; private set; }

    /// <summary>Raised when <see cref="Registered"/> or <see cref="Draining"/> changes (health watches it).</summary>
    public event Action? Changed;

    public void MarkRegistered()
    {
        if (Registered) return;
        Registered = true;
        Changed?.Invoke();
    }

    /// <summary>Fires when draining begins; handlers see it as <see cref="CallContext.Draining"/>.</summary>
    public CancellationToken DrainingToken => _drainingSignal.Token;

    /// <summary>Returns false when draining: the caller answers <c>micro.node.draining</c> (not run) so the client retries on another node.</summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _inFlight);
        if (!_draining) return true;
        Exit();
        return false;
    }

    public void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _draining) _drained?.TrySetResult();
    }

    /// <summary>Stops taking calls and completes when the last in-flight call ends (or the token fires).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _drained = drained;
        _draining = true;
        Changed?.Invoke();
        // Streams hear about it now, not when the grace period cuts them off.
        await _drainingSignal.CancelAsync().ConfigureAwait(false);
        if (InFlight == 0) return;
        try { await drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }
}
