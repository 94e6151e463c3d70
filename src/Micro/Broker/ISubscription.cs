namespace Micro.Broker;

/// <summary>A live subscription; disposing it unsubscribes (no delivery starts after it completes).</summary>
public interface ISubscription : IAsyncDisposable
{
    string Topic { get; }

    /// <summary>The group messages are shared in (for broadcast: this subscriber's own).</summary>
    string Group { get; }
}
