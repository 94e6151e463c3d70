using Micro.Conformance.Registry;
using Micro.Registry;

namespace Micro.Tests.Registry;

public class MemoryRegistryConformanceTests : RegistryConformanceSuite
{
    protected override Task<(IRegistry Registrant, IRegistry Observer)> CreatePairAsync()
    {
        var registry = new MemoryRegistry();
        return Task.FromResult<(IRegistry, IRegistry)>((registry, registry));
    }
}
