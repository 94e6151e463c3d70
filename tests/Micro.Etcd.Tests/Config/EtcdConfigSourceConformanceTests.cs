using Micro.Conformance;
using Micro.Conformance.Config;
using Micro.Etcd.Config;
using Microsoft.Extensions.Configuration;

namespace Micro.Etcd.Tests.Config;

/// <summary>The config-source suite against a real etcd: the test changes keys with its own client, as an operator would.</summary>
public sealed class EtcdConfigSourceConformanceTests : ConfigSourceConformanceSuite
{
    private readonly string _prefix = $"/micro-test-config-{Guid.NewGuid():N}/";
    private readonly dotnet_etcd.EtcdClient _operator = EtcdConnection.Create(TestServers.Etcd);

    protected override Task<IConfigurationSource> CreateSourceAsync() =>
        Task.FromResult<IConfigurationSource>(new EtcdConfigurationSource { Address = TestServers.Etcd, Prefix = _prefix });

    protected override Task SetAsync(string path, string value) => _operator.PutAsync(_prefix + path, value);

    protected override Task DeleteAsync(string path) => _operator.DeleteAsync(_prefix + path);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _operator.DeleteRangeAsync(_prefix);
        _operator.Dispose();
    }
}
