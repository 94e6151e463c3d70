using System.Collections.Concurrent;
using Micro.Client.Internal;
using Micro.Registry;

namespace Micro.Broker.Http;

/// <summary>
/// Who subscribes to a topic, as the registry says: service <c>micro.broker.&lt;topic&gt;</c>, one node per subscription,
/// with <c>group</c> and <c>broadcast</c> in its metadata. Answers from a watch-invalidated cache; an empty answer is
/// reused for a second so a topic nobody subscribes to does not query the registry on every publish.
/// </summary>
internal sealed class SubscriberDirectory(IRegistry registry, TimeProvider time) : IAsyncDisposable
{
    public const string ServicePrefix = "micro.broker.";
    public const string GroupKey = "group";
    public const string BroadcastKey = "broadcast";
    public const string TopicKey = "topic";
    /// <summary>The subscribing service: the audience of the publisher's token and the name its certificate must carry.</summary>
    public const string ServiceKey = "service";

    private readonly RegistryCache _cache = new(registry, TimeSpan.FromSeconds(5), time);
    private readonly ConcurrentDictionary<string, long> _emptyUntil = new(StringComparer.Ordinal);

    public static string ServiceFor(string topic) => ServicePrefix + topic;

    /// <summary>The live subscriber nodes of <paramref name="topic"/>.</summary>
    public async ValueTask<IReadOnlyList<NodeInfo>> NodesAsync(string topic, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_emptyUntil.TryGetValue(topic, out var until) && now < until) return [];
        var service = await _cache.GetAsync(ServiceFor(topic), cancellationToken).ConfigureAwait(false);
        if (service.Nodes.Count == 0) _emptyUntil[topic] = now + time.TimestampFrequency;
        else _emptyUntil.TryRemove(topic, out _);
        return service.Nodes;
    }

    /// <summary>Forget what is known about a topic (a node said it does not subscribe, or every node failed).</summary>
    public void Invalidate(string topic)
    {
        _emptyUntil.TryRemove(topic, out _);
        _cache.Invalidate(ServiceFor(topic));
    }

    public static string GroupOf(NodeInfo node) => node.Metadata.GetValueOrDefault(GroupKey) ?? "";

    public static bool IsBroadcast(NodeInfo node) => node.Metadata.GetValueOrDefault(BroadcastKey) == "true";

    public ValueTask DisposeAsync() => _cache.DisposeAsync();
}
