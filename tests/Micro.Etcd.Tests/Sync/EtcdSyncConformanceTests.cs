using Etcdserverpb;
using Google.Protobuf;
using Micro.Conformance;
using Micro.Conformance.Sync;
using Micro.Etcd.Sync;
using Micro.Sync;

namespace Micro.Etcd.Tests.Sync;

public sealed class EtcdSyncConformanceTests : SyncConformance, IDisposable
{
    private readonly dotnet_etcd.EtcdClient _client = EtcdConnection.Create(TestServers.Etcd);

    protected override ISync CreateSync(SyncOptions options) => new EtcdSync(EtcdConnection.Create(TestServers.Etcd), options) { OwnsClient = true };

    protected override async Task RevokeAsync(ISync sync, string key)
    {
        var deleted = await _client.DeleteAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(((EtcdSync)sync).LeaseKey(key)) });
        Assert.Equal(1, deleted.Deleted);
    }

    public void Dispose()
    {
        _client.DeleteRange("/" + Namespace + "/");
        _client.Dispose();
    }
}

public sealed class EtcdSyncProcessTests : SyncProcessConformance
{
    protected override string Backend => "etcd";

    protected override string Address => TestServers.Etcd;

    protected override ISync CreateSync() => new EtcdSync(EtcdConnection.Create(TestServers.Etcd)) { OwnsClient = true };
}
