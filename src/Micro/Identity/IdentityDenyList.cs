using System.Text;
using Micro.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Identity;

/// <summary>
/// Identities refused everywhere, kept in the store (database <c>micro</c>, table <c>identity_deny</c>, key = the SPIFFE
/// URI) so that every node sharing the store agrees. The CA reads the store on every request; servers check a copy that
/// they re-read every <see cref="Refresh"/>, on every request (connections already open included): a denied identity is
/// refused everywhere within <see cref="Refresh"/> plus one store read, and can no longer renew.
/// </summary>
public sealed partial class IdentityDenyList : IAsyncDisposable
{
    /// <summary>Where the entries live: shared by every service, whatever its own default database.</summary>
    public static readonly StoreScope Scope = new() { Database = "micro", Table = "identity_deny" };

    private const int MaxEntries = 100_000;
    private readonly IStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private volatile HashSet<string> _denied = new(StringComparer.Ordinal);
    private Task? _loop;

    /// <summary>A deny-list in <paramref name="store"/>, re-read every <paramref name="refresh"/> once started (<see cref="StartAsync"/>).</summary>
    public IdentityDenyList(IStore store, TimeSpan refresh, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (refresh <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(refresh));
        _store = store;
        Refresh = refresh;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>How often servers re-read the list: the revocation bound.</summary>
    public TimeSpan Refresh { get; }

    /// <summary>Denies <paramref name="id"/>, for <paramref name="duration"/> or until allowed again.</summary>
    public async ValueTask DenyAsync(SpiffeId id, string reason, TimeSpan? duration = null, CancellationToken cancellationToken = default)
    {
        await _store.WriteAsync(new StoreRecord { Key = id.ToString(), Value = Encoding.UTF8.GetBytes(reason ?? "") },
            new WriteOptions { Database = Scope.Database, Table = Scope.Table, Ttl = duration }, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes <paramref name="id"/> from the list.</summary>
    public async ValueTask AllowAsync(SpiffeId id, CancellationToken cancellationToken = default)
    {
        await _store.DeleteAsync(id.ToString(), Scope, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="id"/> was denied at the last refresh (no I/O: called on every request).</summary>
    public bool IsDenied(SpiffeId id) => _denied.Count != 0 && _denied.Contains(id.ToString());

    /// <summary>Whether the store denies <paramref name="id"/> now (the CA asks this before every issuance).</summary>
    public async ValueTask<bool> IsDeniedInStoreAsync(SpiffeId id, CancellationToken cancellationToken = default)
    {
        var records = await _store.ReadAsync(id.ToString(), new ReadOptions { Database = Scope.Database, Table = Scope.Table }, cancellationToken).ConfigureAwait(false);
        return records.Count > 0;
    }

    /// <summary>Re-reads the whole list now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var keys = await _store.ListAsync(new ListOptions { Database = Scope.Database, Table = Scope.Table, Limit = MaxEntries }, cancellationToken).ConfigureAwait(false);
        _denied = new HashSet<string>(keys, StringComparer.Ordinal);
    }

    /// <summary>Reads the list, then keeps re-reading it every <see cref="Refresh"/> until disposed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_loop is not null) return;
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _loop = LoopAsync(_stop.Token);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Refresh, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try { await RefreshAsync(cancellationToken).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Keep the last list: a store outage must not un-deny anyone.
                    RefreshFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    [LoggerMessage(1, LogLevel.Warning, "Reading the identity deny-list failed; keeping the last one")]
    private static partial void RefreshFailed(ILogger logger, Exception exception);

    /// <summary>Stops refreshing the deny-list.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
