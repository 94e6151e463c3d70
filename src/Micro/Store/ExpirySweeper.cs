namespace Micro.Store;

/// <summary>
/// The one expiry-sweeper shape every store uses: a timer on the store's <see cref="TimeProvider"/>
/// that calls the store's sweep every <see cref="StoreOptions.SweepInterval"/>, one round at a time.
/// Sweeping only reclaims space: no store ever returns an expired record, swept or not.
/// </summary>
internal sealed class ExpirySweeper : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task> _sweep;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ITimer _timer;
    private int _running;
    private Task _round = Task.CompletedTask;
    private int _disposed;

    public ExpirySweeper(Func<CancellationToken, Task> sweep, TimeSpan interval, TimeProvider time)
    {
        _sweep = sweep;
        _timer = time.CreateTimer(static state => ((ExpirySweeper)state!).Tick(), this, interval, interval);
    }

    private void Tick()
    {
        // A slow round (a big table) is not overlapped by the next one.
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        _round = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            await _sweep(_stopping.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The next round tries again; expired records are never returned in the meantime.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _timer.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _round.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
