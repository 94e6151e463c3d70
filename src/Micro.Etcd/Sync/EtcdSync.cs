using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Micro.Sync;
using Microsoft.Extensions.Logging;

namespace Micro.Etcd.Sync;

/// <summary>
/// Locks and elections on etcd, with etcd's own concurrency semantics: each hold is a key attached to
/// its own lease (TTL in whole seconds, rounded up; etcd raises very short TTLs to its minimum), created
/// only if absent (a transaction comparing the key's create revision with 0). The fencing token is the
/// key's create revision, which etcd's single global revision counter makes strictly increasing.
/// Releasing revokes the lease, which deletes only the holder's own key. etcd is a Raft cluster: a lock
/// survives the loss of a minority of members, unlike the single-instance Redis lock. Waiters watch the
/// key (deletes only): a release or a lease expiry wakes them at once. Keep-alives run on streams this
/// class drives and awaits itself, so a failed renewal leaves no unobserved task behind.
/// </summary>
public sealed class EtcdSync : LeaseSync
{
    private readonly EtcdClient _client;
    private readonly string _prefix;
    // Leases granted for attempts that lost the race, reused by the next attempt: under contention
    // every waiter would otherwise grant and revoke a lease (two Raft writes) per failed try.
    private readonly System.Collections.Concurrent.ConcurrentBag<SpareLease> _spares = [];

    private readonly record struct SpareLease(long Id, long Seconds, long GrantedAt);

    /// <summary>Locks on <paramref name="client"/> (shared, not disposed by the sync), keys under <c>/{Namespace}/sync/</c>.</summary>
    public EtcdSync(EtcdClient client, SyncOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
        : base(options, time, logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _prefix = "/" + Options.Namespace + "/sync/";
    }

    /// <summary>Disposing the sync also disposes the client (a client the sync's registration made itself).</summary>
    internal bool OwnsClient { get; init; }

    /// <summary>The etcd key holding a lease ("lock/{id}" or "leader/{id}").</summary>
    internal string LeaseKey(string key) => _prefix + key;

    /// <inheritdoc />
    protected override async ValueTask<LeaseAttempt> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var etcdKey = ByteString.CopyFromUtf8(LeaseKey(key));
        // Waiters mostly read: a lease is granted only when the key looks free. A held key's expiry is watched, not timed.
        var current = await _client.GetAsync(new RangeRequest { Key = etcdKey, CountOnly = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (current.Count > 0) return LeaseAttempt.Held();

        var (lease, reused) = await TakeLeaseAsync(ttl, cancellationToken).ConfigureAwait(false);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = etcdKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = etcdKey, Value = ByteString.CopyFromUtf8(value), Lease = lease.Id } });
        try
        {
            var result = await _client.TransactionAsync(txn, cancellationToken: cancellationToken).ConfigureAwait(false);
            // The put's revision is the key's create revision: the fencing token.
            if (result.Succeeded) return LeaseAttempt.Acquired(new LeaseClaim(key, value, result.Header.Revision) { State = lease, StartedAt = lease.GrantedAt });
        }
        catch (Grpc.Core.RpcException e) when (reused && e.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            return LeaseAttempt.Held(TimeSpan.Zero); // the spare lease was gone after all; the waiter retries with a fresh one
        }
        catch (Exception)
        {
            await RevokeQuietlyAsync(lease.Id).ConfigureAwait(false);
            throw;
        }
        _spares.Add(lease); // nothing is attached to it: the next attempt can use it
        return LeaseAttempt.Held();
    }

    /// <inheritdoc />
    protected override async ValueTask<bool> RenewAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var leaseId = ((SpareLease)claim.State!).Id;
        // One keep-alive on a stream of our own: written, answered and disposed here, every task awaited.
        // (dotnet-etcd's LeaseKeepAlive helper leaves its reader task faulted and unobserved when etcd is down.)
        long remaining;
        using (var call = _client.GetConnection().LeaseClient.LeaseKeepAlive(cancellationToken: cancellationToken))
        {
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = leaseId }, cancellationToken).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                throw new InvalidOperationException($"etcd ended the keep-alive of lease {leaseId} without an answer");
            remaining = call.ResponseStream.Current.TTL;
            // Drain to the end: the call then completes normally instead of being reset.
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false)) { }
        }
        if (remaining <= 0) return false; // the lease expired or was revoked

        // The lease lives, but is our key still on it? (An operator may have deleted or replaced it.)
        var current = await _client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(LeaseKey(claim.Key)) }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return current.Kvs.Count == 1 && current.Kvs[0].CreateRevision == claim.Token && current.Kvs[0].Lease == leaseId;
    }

    // A short hold deletes its key (compare: still our create revision) and keeps the young lease for the
    // next lock: one Raft write instead of a revoke plus a grant. Otherwise revoking our lease deletes
    // only keys attached to it: never another holder's.
    /// <inheritdoc />
    protected override async ValueTask ReleaseAsync(LeaseClaim claim, CancellationToken cancellationToken)
    {
        var lease = (SpareLease)claim.State!;
        if (IsYoung(lease))
        {
            var etcdKey = ByteString.CopyFromUtf8(LeaseKey(claim.Key));
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = etcdKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = claim.Token });
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = etcdKey } });
            var result = await _client.TransactionAsync(txn, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                _spares.Add(lease);
                return;
            }
        }
        await RevokeQuietlyAsync(lease.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var current = await _client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(LeaseKey(key)) }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (current.Kvs.Count == 0) return null;
        var kv = current.Kvs[0];
        return new LeaseClaim(key, kv.Value.ToStringUtf8(), kv.CreateRevision) ;
    }

    /// <summary>Watches the key for deletes (release, revocation, lease expiry); returns once etcd confirmed the watch.</summary>
    protected override async ValueTask<IAsyncDisposable?> WatchReleasesAsync(string key, Action released, CancellationToken cancellationToken)
    {
        var stop = new CancellationTokenSource();
        var call = _client.GetConnection().WatchClient.Watch(cancellationToken: stop.Token);
        try
        {
            await call.RequestStream.WriteAsync(new WatchRequest
            {
                CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(LeaseKey(key)), Filters = { WatchCreateRequest.Types.FilterType.Noput } },
            }, cancellationToken).ConfigureAwait(false);
            if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false) || !call.ResponseStream.Current.Created)
                throw new InvalidOperationException($"etcd did not create the watch on {LeaseKey(key)}");
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            call.Dispose();
            stop.Dispose();
            throw;
        }
        return new ReleaseWatch(call, stop, released);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeCoreAsync()
    {
        while (_spares.TryTake(out var spare)) await RevokeQuietlyAsync(spare.Id).ConfigureAwait(false);
        if (OwnsClient) _client.Dispose();
    }

    /// <summary>A running watch: each delete event wakes the waiters; a broken stream wakes them too (they fall back to polling).</summary>
    private sealed class ReleaseWatch : IAsyncDisposable
    {
        private readonly Grpc.Core.AsyncDuplexStreamingCall<WatchRequest, WatchResponse> _call;
        private readonly CancellationTokenSource _stop;
        private readonly Task _reading;

        public ReleaseWatch(Grpc.Core.AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, CancellationTokenSource stop, Action released)
        {
            (_call, _stop) = (call, stop);
            _reading = ReadAsync(released);
        }

        private async Task ReadAsync(Action released)
        {
            try
            {
                while (await _call.ResponseStream.MoveNext(_stop.Token).ConfigureAwait(false))
                    if (_call.ResponseStream.Current.Events.Count > 0 || _call.ResponseStream.Current.Canceled) released();
            }
            catch (Exception)
            {
                // Stopped, or the stream broke.
            }
            if (!_stop.IsCancellationRequested) released();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _reading.ConfigureAwait(false);
            _call.Dispose();
            _stop.Dispose();
        }
    }

    // A spare is used only while young (granted less than a quarter of its TTL ago); the hold's TTL counts
    // from the grant (LeaseClaim.StartedAt), so the holder never believes in a lease etcd already dropped.
    private bool IsYoung(SpareLease lease) => Time.GetElapsedTime(lease.GrantedAt) < TimeSpan.FromSeconds(lease.Seconds) / 4;

    private async ValueTask<(SpareLease Lease, bool Reused)> TakeLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken)
    {
        var seconds = (long)Math.Max(1, Math.Ceiling(ttl.TotalSeconds));
        var skipped = new List<SpareLease>();
        try
        {
            while (_spares.TryTake(out var spare))
            {
                if (!IsYoung(spare)) continue; // etcd expires it by itself
                if (spare.Seconds == seconds) return (spare, true);
                skipped.Add(spare); // another TTL's: keep it
            }
        }
        finally
        {
            foreach (var spare in skipped) _spares.Add(spare);
        }
        var grantedAt = Time.GetTimestamp();
        var lease = await _client.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (new SpareLease(lease.ID, seconds, grantedAt), false);
    }

    private async Task RevokeQuietlyAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = leaseId }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            // Already expired or revoked.
        }
    }
}
