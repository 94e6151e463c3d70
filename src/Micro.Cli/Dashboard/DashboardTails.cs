using System.Net;
using System.Threading.Channels;
using Micro.Broker;
using Micro.Cli.Messaging;
using Micro.Cli.Output;
using Microsoft.Extensions.Logging;

namespace Micro.Cli.Dashboard;

/// <summary>
/// The dashboard's live topic tails: one broadcast subscription per topic however many pages watch it (a process has one
/// broadcast group per topic), fanned out to each page's bounded queue; a page that falls behind loses its oldest
/// messages, never anyone else's. The last page to leave ends the subscription. With the HTTP broker one delivery
/// listener serves every tail. The broker is resolved on the first tail: a dashboard nobody tails with needs no broker.
/// </summary>
public sealed class DashboardTails(Func<IBroker> broker, IPAddress listenAddress, IReadOnlyList<string>? interfaces, ILoggerFactory logging) : IAsyncDisposable
{
    /// <summary>Topics tailed at once.</summary>
    public const int MaxTopics = 32;

    /// <summary>Messages a page may fall behind by before its oldest are dropped.</summary>
    public const int QueueLength = 256;

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private DeliveryListener? _listener;
    private bool _listenerStarted;

    private sealed class Topic
    {
        public TopicTail? Tail { get; set; }
        public List<Channel<MessageView>> Pages { get; } = [];
    }

    /// <summary>The messages of <paramref name="topic"/> from now on, until <paramref name="cancellationToken"/> fires.</summary>
    /// <exception cref="CliException">Exit code 2 for an illegal topic; 1 when <see cref="MaxTopics"/> are tailed already.</exception>
    public async Task<ChannelReader<MessageView>> WatchAsync(string topic, CancellationToken cancellationToken)
    {
        TopicInput.Check(topic);
        var page = Channel.CreateBounded<MessageView>(new BoundedChannelOptions(QueueLength) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_topics.TryGetValue(topic, out var entry))
            {
                if (_topics.Count >= MaxTopics) throw new CliException(ExitCodes.Failure, "cli.dashboard.too_many_tails", $"the dashboard tails {MaxTopics} topics already");
                if (!_listenerStarted)
                {
                    _listener = await DeliveryListener.ForAsync(broker(), new IPEndPoint(listenAddress, 0), interfaces, logging, cancellationToken).ConfigureAwait(false);
                    _listenerStarted = true;
                }
                // The page is in before the subscription starts: the first message has somewhere to go.
                var created = new Topic();
                created.Pages.Add(page);
                created.Tail = await TopicTail.StartAsync(broker(), topic, null, (message, _) => ValueTask.FromResult(Fan(created, message)), cancellationToken).ConfigureAwait(false);
                _topics[topic] = created;
            }
            else lock (entry.Pages) entry.Pages.Add(page);
        }
        finally
        {
            _lock.Release();
        }
        cancellationToken.Register(() => _ = LeaveAsync(topic, page));
        return page.Reader;
    }

    private static bool Fan(Topic entry, MessageView message)
    {
        lock (entry.Pages)
            foreach (var page in entry.Pages) page.Writer.TryWrite(message);
        return true; // a tail shows what comes; it never asks for a redelivery
    }

    private async Task LeaveAsync(string topic, Channel<MessageView> page)
    {
        page.Writer.TryComplete();
        TopicTail? ended = null;
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_topics.TryGetValue(topic, out var entry)) return;
            lock (entry.Pages)
            {
                entry.Pages.Remove(page);
                if (entry.Pages.Count > 0) return;
            }
            _topics.Remove(topic);
            ended = entry.Tail;
        }
        finally
        {
            _lock.Release();
        }
        if (ended is not null) await ended.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        List<Topic> topics;
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            topics = [.. _topics.Values];
            _topics.Clear();
        }
        finally
        {
            _lock.Release();
        }
        foreach (var topic in topics)
            if (topic.Tail is not null) await topic.Tail.DisposeAsync().ConfigureAwait(false);
        if (_listener is not null) await _listener.DisposeAsync().ConfigureAwait(false);
    }
}
