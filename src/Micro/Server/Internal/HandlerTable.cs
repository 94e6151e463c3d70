using System.Collections.Frozen;

namespace Micro.Server.Internal;

/// <summary>The endpoints of a service, by name and by HTTP path.</summary>
internal sealed class HandlerTable
{
    public HandlerTable(string service, IEnumerable<HandlerDescriptor> handlers)
    {
        All = handlers.ToList();
        var duplicate = All.GroupBy(h => h.Endpoint).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"endpoint '{duplicate.Key}' is registered twice");
        ByPath = All.ToFrozenDictionary(h => EndpointPath.For(service, h.Endpoint).Path, StringComparer.Ordinal);
    }

    public IReadOnlyList<HandlerDescriptor> All { get; }

    public FrozenDictionary<string, HandlerDescriptor> ByPath { get; }
}
