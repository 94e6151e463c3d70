using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Micro.Sync;

namespace Micro.Etcd.Sync;

/// <summary>
/// Locks and elections on etcd, with etcd's own concurrency semantics: each hold is a key attached to
/// its own lease (TTL in whole seconds, rounded up; etcd raises very short TTLs to its minimum), created
/// only if absent (a transaction comparing the key's create revision with 0). The fencing token is the
/// key's create revision, which etcd's single global revision counter makes strictly increasing.
/// Releasing revokes the lease, which deletes only the holder's own key. etcd is a Raft cluster: a lock
/// survives the loss of a minority of members, unlike the single-instance Redis lock.
/// </summary>
public sealed class EtcdSync : LeaseSync
{
    private readonly EtcdClient _client;
    private readonly bool _ownsClient;
    private readonly string _prefix;
    // Leases granted for attempts that lost the race, reused by the next attempt: under contention
    // every waiter would otherwise grant and revoke a lease (two Raft writes) per failed try.
    private readonly System.Collections.Concurrent.ConcurrentBag<SpareLease> _spares = [];

    private readonly record struct SpareLease(long Id, long Seconds, long GrantedAt);

    public EtcdSync(EtcdClient client, EtcdOptions? options = null, TimeProvider? time = null, bool ownsClient = false)
        : base(time)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _ownsClient = ownsClient;
        _prefix = (options ?? new EtcdOptions()).Prefix + "sync/";
    }

    /// <summary>The etcd key holding a lease ("lock/{id}" or "leader/{id}").</summary>
    public string LeaseKey(string key) => _prefix + key;

    protected override async ValueTask<LeaseClaim?> TryAcquireAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var etcdKey = ByteString.CopyFromUtf8(LeaseKey(key));
        // Waiters mostly read: a lease is granted only when the key looks free.
        var current = await _client.GetAsync(new RangeRequest { Key = etcdKey, CountOnly = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (current.Count > 0) return null;

        var (lease, reused) = await TakeLeaseAsync(ttl, cancellationToken).ConfigureAwait(false);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = etcdKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = etcdKey, Value = ByteString.CopyFromUtf8(value), Lease = lease.Id } });
        try
        {
            var result = await _client.TransactionAsync(txn, cancellationToken: cancellationToken).ConfigureAwait(false);
            // The put's revision is the key's create revision: the fencing token.
            if (result.Succeeded) return new LeaseClaim(key, value, result.Header.Revision) { State = lease, StartedAt = lease.GrantedAt };
        }
        catch (Grpc.Core.RpcException e) when (reused && e.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            return null; // the spare lease was gone after all; the waiter retries with a fresh one
        }
        catch (Exception)
        {
            await RevokeQuietlyAsync(lease.Id).ConfigureAwait(false);
            throw;
        }
        _spares.Add(lease); // nothing is attached to it: the next attempt can use it
        return null;
    }

    protected override async ValueTask<bool> RenewAsync(LeaseClaim claim, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var leaseId = ((SpareLease)claim.State!).Id;
        var answered = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var keepAlive = _client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = leaseId }, r => answered.TrySetResult(r.TTL), stream.Token, null);
        long remaining;
        try
        {
            // A stream that fails or ends without an answer is a failed renewal, not a wait until the deadline.
            var first = await Task.WhenAny(answered.Task, keepAlive).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (first != answered.Task)
            {
                await keepAlive.ConfigureAwait(false);
                if (!answered.Task.IsCompleted) throw new InvalidOperationException($"etcd ended the keep-alive of lease {leaseId} without an answer");
            }
            remaining = await answered.Task.ConfigureAwait(false);
        }
        finally
        {
            await stream.CancelAsync().ConfigureAwait(false);
            try { await keepAlive.ConfigureAwait(false); }
            catch (Exception) { /* the stream ends by cancellation */ }
        }
        if (remaining <= 0) return false; // the lease expired or was revoked

        // The lease lives, but is our key still on it? (An operator may have deleted or replaced it.)
        var current = await _client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(LeaseKey(claim.Key)) }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return current.Kvs.Count == 1 && current.Kvs[0].CreateRevision == claim.Token && current.Kvs[0].Lease == leaseId;
    }

    // A short hold deletes its key (compare: still our create revision) and keeps the young lease for the
    // next lock: one Raft write instead of a revoke plus a grant. Otherwise revoking our lease deletes
    // only keys attached to it: never another holder's.
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

    protected override async ValueTask<LeaseClaim?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var current = await _client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(LeaseKey(key)) }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (current.Kvs.Count == 0) return null;
        var kv = current.Kvs[0];
        return new LeaseClaim(key, kv.Value.ToStringUtf8(), kv.CreateRevision) ;
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        while (_spares.TryTake(out var spare)) await RevokeQuietlyAsync(spare.Id).ConfigureAwait(false);
        if (_ownsClient) _client.Dispose();
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
