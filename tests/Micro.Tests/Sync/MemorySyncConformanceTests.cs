using Micro.Conformance.Sync;
using Micro.Sync;

namespace Micro.Tests.Sync;

public sealed class MemorySyncConformanceTests : SyncConformance
{
    // One in-process lock space shared by every "client", like one server shared by many nodes.
    private readonly SharedMemorySync _shared = new();

    protected override ISync CreateSync(SyncOptions options) => new SharedView(_shared.Sync);

    protected override long Attempts(ISync sync) => _shared.Sync.Attempts;

    protected override Task RevokeAsync(ISync sync, string key)
    {
        _shared.Sync.Revoke(key);
        return Task.CompletedTask;
    }

    private sealed class SharedMemorySync
    {
        public MemorySync Sync { get; } = new();
    }

    // Disposing a view must not dispose the shared lock space.
    private sealed class SharedView(MemorySync inner) : ISync
    {
        public ValueTask<ILock> LockAsync(string id, LockOptions? options = null, CancellationToken cancellationToken = default) => inner.LockAsync(id, options, cancellationToken);

        public ValueTask<ILeadership> LeaderAsync(string id, LeaderOptions? options = null, CancellationToken cancellationToken = default) => inner.LeaderAsync(id, options, cancellationToken);

        public ValueTask<LeaderInfo?> GetLeaderAsync(string id, CancellationToken cancellationToken = default) => inner.GetLeaderAsync(id, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
