using Micro.Conformance.Auth;
using Micro.Store;

namespace Micro.Tests.Auth;

/// <summary>The auth conformance suite over the in-memory store (every "node" shares the instance).</summary>
public class MemoryAuthConformanceTests : AuthConformanceSuite
{
    private readonly MemoryStore _store = new();

    protected override Task<IStore> ConnectAsync() => Task.FromResult<IStore>(_store);
}
