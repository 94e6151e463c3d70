using System.Threading.Channels;
using Micro.Registry;

namespace Micro.Broker.Http;

/// <summary>
/// Delivers the pending messages of one (topic, group) in order, one batch in flight: picks a live node of the group
/// (selector, failed nodes skipped), sends a batch, applies each reply (ack, retry later, dead-letter). A transport
/// failure puts the batch back and the next try goes to another node.
/// </summary>
internal sealed class GroupDispatcher
{
    private readonly HttpBroker _broker;
    private readonly LinkedList<OutboxEntry> _ready = new();
    private readonly PriorityQueue<OutboxEntry, long> _delayed = new();
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _missingSince;
    private int _refusals;

    public GroupDispatcher(HttpBroker broker, string topic, string group)
    {
        _broker = broker;
        Topic = topic;
        Group = group;
    }

    public string Topic { get; }
    public string Group { get; }
    public bool Broadcast => Group.StartsWith("broadcast-", StringComparison.Ordinal);
    public Task? Loop { get; set; }

    public void Enqueue(OutboxEntry entry)
    {
        lock (_ready) _ready.AddLast(entry);
        _signal.Writer.TryWrite(true);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var time = _broker.Time;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var batch = TakeBatch(out var wait);
                if (batch.Count == 0)
                {
                    await WaitAsync(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var nodes = await NodesAsync(cancellationToken).ConfigureAwait(false);
                if (nodes.Count == 0)
                {
                    PutBack(batch);
                    if (GoneForGood()) { _broker.Abandon(this); return; }
                    await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                _missingSince = 0;
                var healthy = nodes.Where(n => !_broker.Health.IsFailed(n.Id)).ToList();
                var service = SubscriberDirectory.ServiceFor(Topic);
                var node = _broker.Selector.Select(service, healthy.Count > 0 ? healthy : nodes);
                List<DeliveryReply> replies;
                var sent = time.GetTimestamp();
                try
                {
                    replies = await _broker.SendAsync(node, Group, batch, cancellationToken).ConfigureAwait(false);
                    // Load-aware selectors (p2c) learn from deliveries as they do from calls.
                    _broker.Selector.Report(service, node, Selector.CallOutcome.Success, time.GetElapsedTime(sent));
                }
                catch (DeliveryRefusedException refused)
                {
                    // The node is fine; the publisher's token or the rules are not. No handler ran.
                    _broker.Selector.Report(service, node, Selector.CallOutcome.Success, time.GetElapsedTime(sent));
                    failures = 0;
                    await RefusedAsync(batch, node, refused.Error).ConfigureAwait(false);
                    continue;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    _broker.Selector.Report(service, node, Selector.CallOutcome.NodeFailure, time.GetElapsedTime(sent));
                    _broker.Health.MarkFailed(node.Id);
                    PutBack(batch);
                    _broker.Counters.OnRedelivered(batch.Count);
                    if (failures++ % 20 == 0) HttpBrokerLog.DeliveryFailed(_broker.Logger, batch.Count, Topic, node.Address, e);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(25 << Math.Min(failures, 6), 1000)), time, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                failures = 0;
                _refusals = 0;
                await ApplyAsync(batch, replies).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The outbox could not be written (disk full, ...): what was taken stays in the file for the next run;
                // keep the loop alive for the rest.
                HttpBrokerLog.DeliveryFailed(_broker.Logger, 0, Topic, "(outbox)", e);
                try { await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async ValueTask<List<NodeInfo>> NodesAsync(CancellationToken cancellationToken)
    {
        var all = await _broker.Directory.NodesAsync(Topic, cancellationToken).ConfigureAwait(false);
        var nodes = new List<NodeInfo>(all.Count);
        foreach (var node in all)
            if (SubscriberDirectory.GroupOf(node) == Group) nodes.Add(node);
        return nodes;
    }

    /// <summary>A broadcast subscriber that left the registry is gone; a group is forgotten after the retention period.</summary>
    private bool GoneForGood()
    {
        var now = _broker.Time.GetTimestamp();
        if (_missingSince == 0) _missingSince = now;
        var limit = Broadcast ? _broker.Options.RegisterTtl : _broker.Options.GroupRetention;
        return _broker.Time.GetElapsedTime(_missingSince, now) > limit;
    }

    private async Task ApplyAsync(List<OutboxEntry> batch, List<DeliveryReply> replies)
    {
        var now = _broker.Time.GetTimestamp();
        for (var i = 0; i < batch.Count; i++)
        {
            var entry = batch[i];
            if (i >= replies.Count || replies[i].Seq != entry.Seq)
            {
                // A reply that does not match: deliver again rather than guess.
                Schedule(entry, now, TimeSpan.FromMilliseconds(100));
                continue;
            }
            var reply = replies[i];
            if (reply.NotSubscribed)
            {
                _broker.Directory.Invalidate(Topic);
                Schedule(entry, now, TimeSpan.FromMilliseconds(200));
                continue;
            }
            switch (reply.Outcome.Action)
            {
                case DeliveryAction.Ack:
                    _broker.Completed(entry);
                    _broker.Counters.OnDelivered();
                    break;
                case DeliveryAction.DeadLetter:
                    await _broker.DeadLetterAsync(entry, Group, reply.Outcome.Reason ?? "dead-lettered").ConfigureAwait(false);
                    break;
                default:
                    _broker.AttemptMade(entry);
                    Schedule(entry, now, reply.Outcome.Delay);
                    break;
            }
        }
    }

    /// <summary>
    /// A subscriber refused the batch (401/403). Tried again with backoff for <see cref="BrokerOptions.RefusedRetryFor"/>
    /// (a grant or signing key the subscriber has not loaded yet), then dead-lettered with the refusal as the reason: kept
    /// and visible, never dropped, and not retried forever. A dead letter that is refused stays in the outbox, retried
    /// slowly and logged, until a rule lets it in.
    /// </summary>
    private async Task RefusedAsync(List<OutboxEntry> batch, NodeInfo node, MicroException error)
    {
        if (_refusals++ % 20 == 0) HttpBrokerLog.DeliveryRefused(_broker.Logger, batch.Count, Topic, node.Address, error.Code, error.Id, error.Detail);
        _broker.Counters.OnRefused(batch.Count);
        var now = _broker.Time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(Math.Min(100 << Math.Min(_refusals, 6), 5000));
        var window = _broker.Options.RefusedRetryFor;
        foreach (var entry in batch)
        {
            if (entry.RefusedSince == 0) entry.RefusedSince = now;
            if (_broker.Time.GetElapsedTime(entry.RefusedSince, now) < window) Schedule(entry, now, delay);
            else if (entry.Message.Topic.EndsWith(BrokerHeaders.DeadLetterSuffix, StringComparison.Ordinal)) Schedule(entry, now, window > TimeSpan.FromMinutes(1) ? window : TimeSpan.FromMinutes(1));
            else await _broker.DeadLetterAsync(entry, Group, $"refused by subscriber {node.Address}: {error.Code} {error.Id}: {error.Detail}").ConfigureAwait(false);
        }
    }

    private void Schedule(OutboxEntry entry, long now, TimeSpan delay)
    {
        _broker.Counters.OnRedelivered();
        entry.DueAt = now + (long)(delay.TotalSeconds * _broker.Time.TimestampFrequency);
        lock (_ready) _delayed.Enqueue(entry, entry.DueAt);
    }

    private List<OutboxEntry> TakeBatch(out TimeSpan wait)
    {
        var batch = new List<OutboxEntry>();
        var budget = _broker.MaxBatchBytes;
        var now = _broker.Time.GetTimestamp();
        wait = TimeSpan.FromSeconds(1);
        lock (_ready)
        {
            while (_delayed.TryPeek(out var due, out var at) && at <= now)
            {
                _delayed.Dequeue();
                _ready.AddLast(due);
            }
            if (_delayed.TryPeek(out _, out var next))
                wait = TimeSpan.FromSeconds(Math.Max(0.001, (double)(next - now) / _broker.Time.TimestampFrequency));
            while (_ready.First is { } first && batch.Count < _broker.Options.BatchSize && (batch.Count == 0 || budget >= first.Value.Encoded.Length))
            {
                budget -= first.Value.Encoded.Length;
                batch.Add(first.Value);
                _ready.RemoveFirst();
            }
        }
        return batch;
    }

    private void PutBack(List<OutboxEntry> batch)
    {
        lock (_ready)
            for (var i = batch.Count - 1; i >= 0; i--) _ready.AddFirst(batch[i]);
    }

    public List<OutboxEntry> Drain()
    {
        lock (_ready)
        {
            var all = _ready.ToList();
            _ready.Clear();
            while (_delayed.TryDequeue(out var entry, out _)) all.Add(entry);
            return all;
        }
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try { await _signal.Reader.ReadAsync(timeout.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
    }
}
