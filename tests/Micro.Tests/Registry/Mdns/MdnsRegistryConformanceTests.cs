using Micro.Conformance.Registry;
using Micro.Registry;
using Micro.Registry.Mdns;

namespace Micro.Tests.Registry.Mdns;

/// <summary>The registry suite over real multicast: the registrant and the observer are two hosts (namespaces) on one link.</summary>
public sealed class MdnsRegistryConformanceTests : RegistryConformanceSuite
{
    private NetworkNamespace? _a, _b;

    protected override TimeSpan Propagation => TimeSpan.FromSeconds(3);

    protected override Task<(IRegistry Registrant, IRegistry Observer)> CreatePairAsync()
    {
        (_a, _b) = NetworkNamespace.CreatePair();
        var registrant = _a.Run(() => new MdnsRegistry());
        var observer = _b.Run(() => new MdnsRegistry());
        return Task.FromResult<(IRegistry, IRegistry)>((registrant, observer));
    }

    /// <summary>A crash: the socket goes away without goodbyes.</summary>
    protected override Task CrashAsync(IRegistry registrant) => ((MdnsRegistry)registrant).CrashForTestsAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _a?.Dispose();
        _b?.Dispose();
    }
}
