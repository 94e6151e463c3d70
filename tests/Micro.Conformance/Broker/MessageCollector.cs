using System.Collections.Concurrent;
using Micro.Broker;

namespace Micro.Conformance.Broker;

/// <summary>Records what a subscriber received and lets a test await a count instead of sleeping.</summary>
public sealed class MessageCollector
{
    private readonly ConcurrentQueue<BrokerDelivery> _received = new();
    private readonly object _gate = new();
    private readonly List<(Func<MessageCollector, bool> Done, TaskCompletionSource Signal)> _waiters = [];

    public IReadOnlyList<BrokerDelivery> Received => [.. _received];

    public int Count => _received.Count;

    public IEnumerable<string> Ids => _received.Select(d => d.Message.Id ?? "");

    public void Add(BrokerDelivery delivery)
    {
        _received.Enqueue(delivery);
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Done(this)) continue;
                _waiters[i].Signal.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    /// <summary>A handler that records and acks.</summary>
    public BrokerHandler Handler => (delivery, _) =>
    {
        Add(delivery);
        return ValueTask.FromResult(DeliveryOutcome.Ack);
    };

    /// <summary>Completes when <paramref name="done"/> holds; fails the test with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(Func<MessageCollector, bool> done, TimeSpan timeout, string what)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (done(this)) return;
            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((done, signal));
        }
        try { await signal.Task.WaitAsync(timeout); }
        catch (TimeoutException) { throw new TimeoutException($"timed out after {timeout} waiting for {what}; received {Count}"); }
    }

    public Task WaitForCountAsync(int count, TimeSpan timeout) => WaitAsync(c => c.Count >= count, timeout, $"{count} messages");
}
