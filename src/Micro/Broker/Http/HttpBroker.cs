using System.Buffers;
using System.Collections.Concurrent;
using Micro.Errors;
using Micro.Registry;
using Micro.Selector;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Broker.Http;

/// <summary>
/// The default broker, with no server to run. Publisher: writes each message to a local outbox (SQLite file, or
/// memory) before <see cref="PublishAsync"/> returns, one row per subscribing group, then delivers per group in
/// batches over HTTP/2 to one node of the group (every node for broadcast), retrying with backoff until a handler
/// acknowledges — across subscriber and publisher restarts. Subscriber: advertises each subscription in the
/// registry (<c>micro.broker.&lt;topic&gt;</c>, group in node metadata) and answers delivery requests on the service's
/// own listener (<see cref="DeliveryPath"/>).
/// </summary>
public sealed partial class HttpBroker : IBroker
{
    /// <summary>Where subscribers take delivery requests, on the service's listener.</summary>
    public const string DeliveryPath = "/micro.broker/deliver";

    private readonly IOutbox _outbox;
    private DeliveryClient? _delivery;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, GroupDispatcher> _dispatchers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> _knownGroups = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<OutboxEntry> _unrouted = new();
    private readonly object _connectLock = new();
    private Task? _connected;
    private Task? _unroutedLoop;
    private long _pending;

    /// <summary>
    /// A broker with an in-memory outbox (<see cref="BrokerOptions.Outbox"/> must be memory; null options mean memory): for tests and tools. The durable
    /// file outbox comes from the Micro.Sqlite package: build the broker through services (<c>AddSqlitePlugins()</c>, then
    /// <see cref="IBroker"/> from the container).
    /// </summary>
    public HttpBroker(IRegistry registry, BrokerOptions? options = null, ISelector? selector = null, TimeProvider? time = null, ILogger? logger = null)
        : this(registry, options ??= new BrokerOptions { Outbox = "memory" }, OutboxFor(options), selector, time ?? TimeProvider.System, logger ?? NullLogger.Instance)
    {
    }

    internal HttpBroker(IRegistry registry, BrokerOptions options, IOutbox outbox, ISelector? selector, TimeProvider time, ILogger logger)
    {
        Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        Options = options;
        _outbox = outbox;
        Selector = selector ?? new RandomSelector();
        Time = time;
        Logger = logger;
        Health = new NodeHealth(time) { Quarantine = TimeSpan.FromSeconds(5) };
        Directory = new SubscriberDirectory(registry, time);
        SubscriberId = "b" + Guid.NewGuid().ToString("N")[..12];
    }

    private static MemoryOutbox OutboxFor(BrokerOptions options) => options.Outbox == "memory"
        ? new MemoryOutbox()
        : throw new InvalidOperationException(BrokerServiceCollectionExtensions.OutboxMissing(options.Outbox) + " (This constructor makes only memory outboxes.)");

    /// <inheritdoc/>
    public string Name => "http";

    /// <inheritdoc/>
    public BrokerGuarantees Guarantees => new(AtLeastOnce: true, Durable: _outbox.Kind == "file", OrderedPerPublisher: true);

    /// <inheritdoc/>
    public BrokerCounters Counters { get; } = new();

    /// <summary>host:port of this process's listener, advertised for its subscriptions; set by the service host at start.</summary>
    public string? Address { get; set; }

    /// <summary>This broker's id; broadcast subscriptions use it as their own group.</summary>
    public string SubscriberId { get; }

    /// <summary>The service this process is (subscriber records name it; tokens and certificates are checked against it).</summary>
    internal string Service { get; init; } = "micro-client";

    /// <summary>With auth on: this process's tokens, one per subscribing service, attached to its delivery requests.</summary>
    internal Auth.ICallCredentials? Credentials { get; init; }

    /// <summary>With auth on: the check every delivery request must pass before a handler runs.</summary>
    internal Auth.AuthSubscriberCheck? SubscriberCheck { get; init; }

    /// <summary>h2c or mTLS to subscriber nodes, as the process's RPC client does.</summary>
    internal Identity.TransportSecurity? Security { get; init; }

    /// <summary>host:port of this process's mTLS listener when it has one beside <see cref="Address"/> (TLS permissive).</summary>
    internal string? TlsAddress { get; set; }

    private DeliveryClient Delivery => _delivery ??= new DeliveryClient(Security, Credentials);

    internal IRegistry Registry { get; }
    internal BrokerOptions Options { get; }
    internal ISelector Selector { get; }
    internal TimeProvider Time { get; }
    internal ILogger Logger { get; }
    internal NodeHealth Health { get; }
    internal SubscriberDirectory Directory { get; }

    /// <summary>Bytes of messages per delivery request (at least one message goes, whatever its size).</summary>
    internal int MaxBatchBytes => 4 * 1024 * 1024;

    /// <summary>The largest delivery request a subscriber reads: a full batch plus framing.</summary>
    internal int MaxRequestBytes => Math.Max(MaxBatchBytes, Options.MaxMessageSize) + 64 * 1024 + Options.BatchSize * 512;

    /// <inheritdoc/>
    public Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        lock (_connectLock) return _connected ??= RecoverAsync();
    }

    /// <summary>Picks up what an earlier run of this publisher left in the outbox.</summary>
    private async Task RecoverAsync()
    {
        var entries = await _outbox.LoadAsync(Options.MaxMessageSize, _stop.Token).ConfigureAwait(false);
        if (entries.Count > 0) HttpBrokerLog.Recovered(Logger, _outbox.Kind, entries.Count);
        Interlocked.Add(ref _pending, entries.Count);
        Counters.AddPending(entries.Count);
        foreach (var entry in entries) Route(entry);
        _unroutedLoop = Task.Run(() => UnroutedLoopAsync(_stop.Token));
        _heartbeat = Task.Run(() => HeartbeatAsync(_stop.Token));
    }

    /// <inheritdoc/>
    public async ValueTask PublishAsync(BrokerMessage message, CancellationToken cancellationToken = default)
    {
        PublishGuard.Check(message, Options);
        if (Volatile.Read(ref _pending) >= Options.MaxPending)
            throw new MicroException(BrokerErrors.OutboxFull, 429,
                $"the outbox holds {Options.MaxPending} undelivered messages (Micro:Broker:MaxPending): subscribers are not keeping up or are unreachable");
        var connected = ConnectAsync(cancellationToken);
        if (!connected.IsCompletedSuccessfully) await connected.WaitAsync(cancellationToken).ConfigureAwait(false);
        await AcceptAsync(message, cancellationToken).ConfigureAwait(false);
        Counters.OnPublished();
    }

    /// <summary>Writes one outbox row per group that should get <paramref name="message"/>, then queues them for delivery.</summary>
    private async ValueTask AcceptAsync(BrokerMessage message, CancellationToken cancellationToken)
    {
        var groups = await GroupsAsync(message.Topic, cancellationToken).ConfigureAwait(false);
        var encoded = WireFormat.EncodeMessage(message);
        var created = Time.GetUtcNow().ToUnixTimeMilliseconds();
        var entries = new OutboxEntry[Math.Max(1, groups.Count)];
        if (groups.Count == 0) entries[0] = new OutboxEntry(_outbox.NextSeq(), "", message, encoded, created);
        for (var i = 0; i < groups.Count; i++) entries[i] = new OutboxEntry(_outbox.NextSeq(), groups[i], message, encoded, created);
        Interlocked.Add(ref _pending, entries.Length);
        Counters.AddPending(entries.Length);
        try
        {
            await _outbox.AddAsync(entries, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Add(ref _pending, -entries.Length);
            Counters.AddPending(-entries.Length);
            throw;
        }
        foreach (var entry in entries) Route(entry);
    }

    /// <summary>The groups subscribed to <paramref name="topic"/> now, plus durable groups seen within the retention period.</summary>
    private async ValueTask<List<string>> GroupsAsync(string topic, CancellationToken cancellationToken)
    {
        var nodes = await Directory.NodesAsync(topic, cancellationToken).ConfigureAwait(false);
        var known = _knownGroups.GetOrAdd(topic, _ => new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
        var now = Time.GetTimestamp();
        var groups = new List<string>(nodes.Count);
        foreach (var node in nodes)
        {
            var group = SubscriberDirectory.GroupOf(node);
            if (group.Length == 0 || groups.Contains(group)) continue;
            groups.Add(group);
            if (!SubscriberDirectory.IsBroadcast(node)) known[group] = now;
        }
        foreach (var (group, seen) in known)
        {
            if (groups.Contains(group)) continue;
            if (Time.GetElapsedTime(seen, now) > Options.GroupRetention) known.TryRemove(group, out _);
            else groups.Add(group);
        }
        return groups;
    }

    private void Route(OutboxEntry entry)
    {
        if (entry.Group.Length == 0)
        {
            _unrouted.Enqueue(entry);
            return;
        }
        var key = entry.Message.Topic + "\n" + entry.Group;
        if (!_dispatchers.TryGetValue(key, out var dispatcher))
        {
            lock (_dispatchers)
            {
                if (!_dispatchers.TryGetValue(key, out dispatcher))
                {
                    dispatcher = new GroupDispatcher(this, entry.Message.Topic, entry.Group);
                    dispatcher.Loop = Task.Run(() => dispatcher.RunAsync(_stop.Token));
                    _dispatchers[key] = dispatcher;
                }
            }
        }
        dispatcher.Enqueue(entry);
    }

    /// <summary>Messages published before anyone subscribed: routed once a group appears, dropped after <see cref="BrokerOptions.UnroutedTtl"/>.</summary>
    private async Task UnroutedLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), Time, cancellationToken).ConfigureAwait(false);
                var count = _unrouted.Count;
                for (var i = 0; i < count && _unrouted.TryDequeue(out var entry); i++)
                {
                    var groups = await GroupsAsync(entry.Message.Topic, cancellationToken).ConfigureAwait(false);
                    if (groups.Count == 0)
                    {
                        if (Time.GetUtcNow().ToUnixTimeMilliseconds() - entry.CreatedMs > Options.UnroutedTtl.TotalMilliseconds)
                        {
                            HttpBrokerLog.Expired(Logger, entry.Message.Topic, entry.Message.Id, Options.UnroutedTtl);
                            Completed(entry);
                        }
                        else _unrouted.Enqueue(entry);
                        continue;
                    }
                    var routed = groups.Select(g => new OutboxEntry(_outbox.NextSeq(), g, entry.Message, entry.Encoded, entry.CreatedMs)).ToList();
                    Interlocked.Add(ref _pending, routed.Count);
                    Counters.AddPending(routed.Count);
                    await _outbox.AddAsync(routed, cancellationToken).ConfigureAwait(false);
                    Completed(entry);
                    foreach (var r in routed) Route(r);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                HttpBrokerLog.DeliveryFailed(Logger, _unrouted.Count, "(unrouted)", "-", e);
            }
        }
    }

    /// <summary>An entry is done (acknowledged, dead-lettered or expired): out of the outbox.</summary>
    internal void Completed(OutboxEntry entry)
    {
        _outbox.Remove(entry.Seq);
        Interlocked.Decrement(ref _pending);
        Counters.AddPending(-1);
    }

    /// <summary>A handler saw <paramref name="entry"/> and wants it again: one more attempt, counted in the outbox too.</summary>
    internal void AttemptMade(OutboxEntry entry)
    {
        entry.Attempt++;
        _outbox.UpdateAttempt(entry.Seq, entry.Attempt);
    }

    /// <summary>The dead letter is in the outbox before the original leaves it: nothing is lost in between.</summary>
    internal async Task DeadLetterAsync(OutboxEntry entry, string group, string reason)
    {
        HttpBrokerLog.DeadLettered(Logger, entry.Message.Topic, entry.Message.Id, group, reason);
        var letter = DeadLetter.For(entry.Message, group, entry.Attempt, reason);
        if (!TopicName.IsValid(letter.Topic))
        {
            Completed(entry);
            return;
        }
        await AcceptAsync(letter, _stop.Token).ConfigureAwait(false);
        Counters.OnDeadLettered();
        Completed(entry);
    }

    /// <summary>A dispatcher whose group is gone for good: its messages leave the outbox.</summary>
    internal void Abandon(GroupDispatcher dispatcher)
    {
        // Out of the table first, so new messages for the group get a fresh dispatcher rather than this finished one.
        lock (_dispatchers) _dispatchers.TryRemove(dispatcher.Topic + "\n" + dispatcher.Group, out _);
        foreach (var entry in dispatcher.Drain()) Completed(entry);
    }

    internal async Task<List<DeliveryReply>> SendAsync(NodeInfo node, string group, List<OutboxEntry> batch, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(batch.Sum(e => e.Encoded.Length + 32) + 16);
        var items = new DeliveryItem[batch.Count];
        for (var i = 0; i < batch.Count; i++) items[i] = new DeliveryItem(batch[i].Seq, group, batch[i].Attempt, batch[i].Message);
        DeliveryBatch.WriteRequest(body, items);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.DeliveryTimeout);
        var bytes = await Delivery.SendAsync(node, body.WrittenMemory, 64 + batch.Count * 1100, timeout.Token).ConfigureAwait(false);
        return DeliveryBatch.ReadReply(bytes, batch.Count);
    }

    internal static async Task<ReadOnlyMemory<byte>> ReadBoundedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(limit, 16 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length >= limit) throw new InvalidDataException($"body larger than {limit} bytes");
                Array.Resize(ref buffer, Math.Min(limit, buffer.Length * 2));
            }
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0) return buffer.AsMemory(0, length);
            length += read;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await UnregisterAllAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        var loops = _dispatchers.Values.Select(d => d.Loop).Append(_unroutedLoop).Append(_heartbeat).OfType<Task>().ToArray();
        try { await Task.WhenAll(loops).ConfigureAwait(false); } catch (OperationCanceledException) { }
        await _outbox.DisposeAsync().ConfigureAwait(false);
        await Directory.DisposeAsync().ConfigureAwait(false);
        _delivery?.Dispose();
        _stop.Dispose();
    }
}
