namespace Micro.Sync;

/// <summary>
/// A held lease: renews itself every TTL/3, and stops claiming the hold once a whole TTL passed
/// without a successful renewal (the backend may already have given it to someone else).
/// </summary>
internal sealed class LeaseHandle : ILock, ILeadership
{
    private const int Holding = 0, Released = 1, LostState = 2;

    private readonly LeaseSync _owner;
    private readonly TimeSpan _ttl;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private long _validUntil;
    private int _state;
    private Task _renewing = Task.CompletedTask;

    public LeaseHandle(LeaseSync owner, string id, string candidate, LeaseClaim claim, TimeSpan ttl, long acquiredAt)
    {
        _owner = owner;
        Id = id;
        Candidate = candidate;
        Claim = claim;
        _ttl = ttl;
        _validUntil = acquiredAt + ToTimestamp(ttl);
    }

    public string Id { get; }

    public string Candidate { get; }

    public LeaseClaim Claim { get; }

    public long FencingToken => Claim.Token;

    public bool IsHeld => Volatile.Read(ref _state) == Holding && Now < Volatile.Read(ref _validUntil);

    public LeaderStatus Status => Volatile.Read(ref _state) switch
    {
        Released => LeaderStatus.Resigned,
        LostState => LeaderStatus.Lost,
        _ => IsHeld ? LeaderStatus.Leading : LeaderStatus.Lost,
    };

    public CancellationToken Lost => _lost.Token;

    private long Now => _owner.Time.GetTimestamp();

    public void Start() => _renewing = Task.Run(RenewLoopAsync);

    public ValueTask ResignAsync(CancellationToken cancellationToken = default) => UnlockAsync(cancellationToken);

    public async ValueTask UnlockAsync(CancellationToken cancellationToken = default)
    {
        var previous = Interlocked.CompareExchange(ref _state, Released, Holding);
        if (previous == Released) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _renewing.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        if (previous == LostState)
        {
            // Release anyway: compare-and-delete only removes it if it is still ours (e.g. it was lost locally only).
            try { await _owner.ReleaseHeldAsync(this, cancellationToken).ConfigureAwait(false); }
            catch (Exception) when (!cancellationToken.IsCancellationRequested) { }
            return;
        }
        await _owner.ReleaseHeldAsync(this, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => UnlockAsync();

    private async Task RenewLoopAsync()
    {
        var interval = _ttl / 3;
        var wait = interval;
        while (!_stop.IsCancellationRequested)
        {
            var left = Volatile.Read(ref _validUntil) - Now;
            if (left <= 0) { MarkLost(); return; }
            var pause = TimeSpan.FromTicks(Math.Min(wait.Ticks, FromTimestamp(left).Ticks));
            try { await Task.Delay(pause, _owner.Time, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }

            left = Volatile.Read(ref _validUntil) - Now;
            if (left <= 0) { MarkLost(); return; }
            var started = Now;
            // A renewal that outlasts the hold is pointless: bound it by what is left.
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            attempt.CancelAfter(FromTimestamp(left));
            try
            {
                if (!await _owner.RenewHeldAsync(Claim, _ttl, attempt.Token).ConfigureAwait(false))
                {
                    MarkLost();
                    return;
                }
                Volatile.Write(ref _validUntil, started + ToTimestamp(_ttl));
                wait = interval;
            }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (Exception)
            {
                // Transient (connection lost, timeout): retry sooner; the loop declares the hold lost at expiry.
                wait = TimeSpan.FromTicks(Math.Max(interval.Ticks / 4, TimeSpan.TicksPerMillisecond));
            }
        }
    }

    private void MarkLost()
    {
        if (Interlocked.CompareExchange(ref _state, LostState, Holding) != Holding) return;
        _owner.Forget(this);
        try { _lost.Cancel(); }
        catch (AggregateException) { /* a user's callback threw; the state is already lost */ }
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.Ticks * (double)_owner.Time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private TimeSpan FromTimestamp(long timestamp) => TimeSpan.FromTicks((long)(timestamp * (double)TimeSpan.TicksPerSecond / _owner.Time.TimestampFrequency));
}
