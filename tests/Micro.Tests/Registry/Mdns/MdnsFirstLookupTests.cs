using Micro.Registry;
using Micro.Registry.Mdns;

namespace Micro.Tests.Registry.Mdns;

/// <summary>
/// A process's first lookup of a service is its whole answer for callers that snapshot it (the HTTP broker lists a
/// topic's subscriber groups at publish time): it must hold every node that answers the query, not just the first.
/// </summary>
public sealed class MdnsFirstLookupTests : IDisposable
{
    private readonly NetworkNamespace _a;
    private readonly NetworkNamespace _b;

    public MdnsFirstLookupTests() => (_a, _b) = NetworkNamespace.CreatePair();

    [Fact]
    public async Task A_fresh_process_first_lookup_returns_every_node_that_answers()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var name = "settle-" + run;
        // Three processes on host A, each its own responder, as three replicas of one subscriber would be.
        var registrants = new List<MdnsRegistry>();
        await using var warm = _b.Run(() => new MdnsRegistry());
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var changes = warm.WatchAsync(name, cancel.Token).GetAsyncEnumerator(cancel.Token);
        // The watch starts listening on its first MoveNextAsync: ask before anything registers.
        var next = changes.MoveNextAsync();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var registrant = _a.Run(() => new MdnsRegistry());
                registrants.Add(registrant);
                await registrant.RegisterAsync(new ServiceInfo
                {
                    Name = name,
                    Nodes = [new NodeInfo { Id = $"n{i}-{run}", Address = $"10.77.0.1:{9000 + i}" }],
                });
            }
            // All three responders are up once a long-lived observer has heard each announce.
            var heard = new HashSet<string>();
            while (await next)
            {
                foreach (var node in changes.Current.Service.Nodes) heard.Add(node.Id);
                if (heard.Count == 3) break;
                next = changes.MoveNextAsync();
            }
            Assert.Equal(3, heard.Count);

            // Each fresh process asks once and takes the answer as the whole list.
            for (var attempt = 0; attempt < 5; attempt++)
            {
                await using var fresh = _b.Run(() => new MdnsRegistry());
                var found = await fresh.GetServiceAsync(name);
                Assert.Equal(3, found.Sum(s => s.Nodes.Count));
            }
        }
        finally
        {
            foreach (var registrant in registrants) await registrant.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
