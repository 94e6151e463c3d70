namespace Micro.Broker;

/// <summary>A live subscription; disposing it unsubscribes (no delivery starts after it completes).</summary>
public interface ISubscription : IAsyncDisposable
{
    /// <summary>The topic subscribed to.</summary>
    string Topic { get; }

    /// <summary>The group messages are shared in (for broadcast: this subscriber's own).</summary>
    string Group { get; }
}
