using Micro.Conformance;
using Micro.Conformance.Registry;
using Micro.Etcd.Registry;
using Micro.Registry;

namespace Micro.Etcd.Tests.Registry;

/// <summary>The registry suite against a real etcd: registrant and observer are two separate clients.</summary>
public class EtcdRegistryConformanceTests : RegistryConformanceSuite
{
    private readonly string _prefix = $"/micro-test-{Guid.NewGuid():N}/";

    protected override Task<(IRegistry Registrant, IRegistry Observer)> CreatePairAsync() =>
        Task.FromResult<(IRegistry, IRegistry)>((
            new EtcdRegistry(new RegistryOptions { Address = TestServers.Etcd, Prefix = _prefix }),
            new EtcdRegistry(new RegistryOptions { Address = TestServers.Etcd, Prefix = _prefix })));

    /// <summary>A crashed node keeps its lease until the TTL runs out: forget the leases without revoking them.</summary>
    protected override Task CrashAsync(IRegistry registrant)
    {
        ((EtcdRegistry)registrant).ForgetLeasesForTests();
        return Task.CompletedTask;
    }
}
