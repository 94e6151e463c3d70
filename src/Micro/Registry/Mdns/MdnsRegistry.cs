// A focused mDNS / DNS-SD (RFC 6762 / 6763) implementation, written here because no maintained NuGet
// package both publishes and browses services with control over TXT contents, TTLs and goodbyes
// (Makaretu.Dns.Multicast is unmaintained since 2019; Zeroconf and Tmds.MDns only browse).
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Micro.Registry.Mdns.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Registry.Mdns;

/// <summary>
/// The default registry: zero configuration on one network. Each node is a DNS-SD instance of
/// <c>_micro._tcp.local</c> (PTR, SRV, TXT, A); its service record travels in TXT. Nodes announce twice on
/// register or change, refresh when half the TTL has passed, answer queries (<see cref="MdnsResponder"/>),
/// defend their records against goodbyes and conflicts, and say goodbye (TTL 0) when they deregister.
/// Lookups answer from a bounded cache (<see cref="MdnsCache"/>) filled by announcements and answers; a
/// service that is not there is asked for with backoff. Everything received is treated as hostile.
/// A process that only calls services (a client, a test) is a querier only: the responder is made on the first
/// register, and until then queries from the link are dropped unread.
/// </summary>
public sealed partial class MdnsRegistry : IRegistry, IAsyncDisposable
{
    /// <summary>The DNS-SD service type of Micro nodes.</summary>
    public const string ServiceType = LocalInstance.ServiceType;

    private readonly RegistryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly NetworkNamespaceScope _scope = new();
    private readonly MdnsCache _cache;
    // Made on the first register: a client-only process neither answers nor announces (and keeps no answer queue or timer).
    private volatile MdnsResponder? _responder;
    private readonly MdnsInterfaceMonitor _monitor;
    private readonly Dictionary<string, LocalInstance> _local = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (long NextQuery, long Interval)> _absent = new(StringComparer.Ordinal);
    private readonly List<Channel<RegistryEvent>> _watchers = [];
    private readonly Task _receiving;
    private readonly ITimer _sweep;
    private readonly ITimer _goodbyeSweep;
    private volatile MdnsTransport _transport;
    private volatile LocalInstance[] _localSnapshot = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastListQuery;

    /// <summary>Opens the mDNS socket on the chosen interfaces, in the calling thread's network namespace.</summary>
    public MdnsRegistry(RegistryOptions? options = null, TimeProvider? time = null, ILogger<MdnsRegistry>? logger = null)
    {
        _options = options ?? new RegistryOptions();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _transport = new MdnsTransport(NetworkInterfacePicker.Pick(_options.Interfaces), _options.Port);
        _cache = new MdnsCache(_options, _time, Publish);
        _monitor = new MdnsInterfaceMonitor(_scope, _options.Interfaces, _options.InterfaceCheckInterval, Differs, Reopen, e => Log.InterfaceCheckFailed(_logger, e));
        _receiving = Task.WhenAll(
            Task.Run(() => ReceiveAsync(oneShot: false, _stop.Token)),
            Task.Run(() => ReceiveAsync(oneShot: true, _stop.Token)));
        _sweep = _time.CreateTimer(_ => Sweep(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        _goodbyeSweep = _time.CreateTimer(_ => Sweep(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Query();
    }

    /// <inheritdoc />
    public string Name => "mdns";

    /// <summary>Interfaces the registry sends and listens on (tests).</summary>
    internal IReadOnlyList<string> Interfaces => _transport.Interfaces.Select(i => i.Name).ToList();

    /// <summary>Packets received that were not valid DNS (ignored; tests).</summary>
    internal int MalformedPackets => Volatile.Read(ref Counters.Malformed);

    internal MdnsCounters Counters { get; } = new();

    /// <summary>Remote nodes cached (tests).</summary>
    internal int CachedNodes { get { lock (_gate) return _cache.Count; } }

    /// <summary>Whether this process answers queries and announces: only once it has registered a node.</summary>
    internal bool Responding => _responder is not null;

    /// <summary>The responder, made on first use (a register): the querier half needs none.</summary>
    private MdnsResponder Responder
    {
        get
        {
            if (_responder is { } made) return made;
            lock (_gate) return _responder ??= new MdnsResponder(() => _localSnapshot, () => _transport, _options, _time, Counters);
        }
    }

    /// <summary>TXT payloads decoded so far (tests: a repeated announcement is not decoded again).</summary>
    internal int Decodes { get { lock (_gate) return _cache.Decodes; } }

    /// <inheritdoc />
    public Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var ttl = (uint)Math.Max(1, (options?.Ttl ?? _options.DefaultTtl).TotalSeconds);
        var interfaces = _transport.Interfaces;
        var now = _time.GetTimestamp();
        foreach (var node in service.Nodes)
        {
            var single = service with { Nodes = [node] };
            var name = LocalInstance.InstanceName(node.Id);
            LocalInstance? known;
            lock (_gate) _local.TryGetValue(name, out known);
            if (known is not null && known.Same(single, ttl, interfaces))
            {
                // A heartbeat with nothing new: refresh only when peers' caches need it (RFC 6762 §8.3, §5.2).
                if (_time.GetElapsedTime(known.LastAnnounced, now) >= TimeSpan.FromSeconds(ttl / 2.0)) Responder.Announce(known);
                continue;
            }
            var instance = LocalInstance.Create(single, ttl, interfaces, known); // throws when too large for mDNS
            Install(instance, known);
        }
        return Task.CompletedTask;
    }

    /// <summary>Makes <paramref name="instance"/> current, tells watchers, and announces it twice, a second apart (RFC 6762 §8.3).</summary>
    private void Install(LocalInstance instance, LocalInstance? previous)
    {
        lock (_gate)
        {
            _local[instance.Instance] = instance;
            _localSnapshot = [.. _local.Values];
            if (previous is null) Publish(RegistryEventType.Create, instance.Advertised);
            else if (!RegistryRecords.Same(previous.Advertised, instance.Advertised)) Publish(RegistryEventType.Update, instance.Advertised);
        }
        if (previous is not null) Responder.Forget(previous); // a queued answer must not re-announce the old record
        Responder.Announce(instance);
        _ = Task.Delay(TimeSpan.FromSeconds(1), _time, _stop.Token).ContinueWith(_ =>
        {
            lock (_gate) if (!_local.TryGetValue(instance.Instance, out var current) || !ReferenceEquals(current, instance)) return;
            Responder.Announce(instance);
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <inheritdoc />
    public Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        foreach (var node in service.Nodes)
        {
            LocalInstance? known;
            lock (_gate)
            {
                if (!_local.Remove(LocalInstance.InstanceName(node.Id), out known)) continue;
                _localSnapshot = [.. _local.Values];
                Publish(RegistryEventType.Delete, known.Advertised);
            }
            Responder.Goodbye(known);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default)
    {
        var found = Snapshot(name);
        if (found.Count > 0) return found;
        // Not known: ask the network, unless we asked recently and nobody answered (backoff, doubling from 1 s).
        // Announcements keep arriving meanwhile, so a service that starts later is still found at once.
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_absent.TryGetValue(name, out var absent) && now < absent.NextQuery) return found;
        }
        await QueryAndWaitAsync(() => Snapshot(name).Count > 0, cancellationToken).ConfigureAwait(false);
        // The first answer is one node; the others answer within RFC 6762's 120 ms: collect them before answering.
        if (Snapshot(name).Count > 0 && _options.QuerySettle > TimeSpan.Zero)
            await Task.Delay(_options.QuerySettle, _time, cancellationToken).ConfigureAwait(false);
        found = Snapshot(name);
        if (found.Count == 0)
        {
            lock (_gate)
            {
                if (_absent.Count >= 1024) _absent.Clear(); // bounded: names are the caller's, but cheap to forget
                var interval = _absent.TryGetValue(name, out var previous) ? Math.Min(previous.Interval * 2, Ticks(_options.MaxQueryBackoff)) : _time.TimestampFrequency;
                _absent[name] = (_time.GetTimestamp() + interval, interval);
            }
        }
        return found;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default)
    {
        // At most one query a second (RFC 6762 §5.2); in between, the cache is the answer.
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastListQuery);
        if (last == 0 || _time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1))
        {
            Interlocked.Exchange(ref _lastListQuery, now);
            await QueryAndWaitAsync(() => false, cancellationToken).ConfigureAwait(false);
        }
        return Snapshot(null);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryEvent> WatchAsync(string? service = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<RegistryEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate) _watchers.Add(channel);
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                if (service is null || string.Equals(change.Service.Name, service, StringComparison.Ordinal))
                    yield return change;
        }
        finally
        {
            lock (_gate) _watchers.Remove(channel);
        }
    }

    /// <summary>Local and cached services grouped by name and version, nodes merged.</summary>
    private List<ServiceInfo> Snapshot(string? name)
    {
        lock (_gate)
        {
            return _local.Values.Select(l => l.Advertised)
                .Where(s => name is null || string.Equals(s.Name, name, StringComparison.Ordinal))
                .Concat(_cache.Services(name))
                .GroupBy(s => (s.Name, s.Version))
                .Select(g => g.First() with { Nodes = g.SelectMany(s => s.Nodes).DistinctBy(n => n.Id).ToList() })
                .ToList();
        }
    }

    private async Task QueryAndWaitAsync(Func<bool> satisfied, CancellationToken cancellationToken)
    {
        // The multicast query refreshes everyone's caches (answered within a second, RFC 6762 §6); the one-shot
        // query is answered at once by unicast, with TTLs of 10 s that the multicast answer then extends.
        Query();
        if (!_stop.IsCancellationRequested)
        {
            Counters.QueriesSent++;
            Counters.PacketsSent++;
            _transport.MulticastOneShot(DnsCodec.Encode(new DnsMessage { Id = (ushort)Random.Shared.Next(1, ushort.MaxValue), Questions = [new DnsQuestion(ServiceType, DnsType.Ptr)] }));
        }
        var deadline = _time.GetTimestamp() + Ticks(_options.QueryTimeout);
        while (!satisfied())
        {
            var left = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero) return;
            Task changed;
            lock (_gate) changed = _changed.Task;
            try { await changed.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false); }
            catch (TimeoutException) { return; }
        }
    }

    /// <summary>Asks for every Micro node, listing the ones we know well so they need not answer (RFC 6762 §7.1).</summary>
    private void Query()
    {
        if (_stop.IsCancellationRequested) return;
        var transport = _transport;
        List<DnsRecord> known;
        lock (_gate)
        {
            known = _cache.KnownAnswers().Take(Math.Max(0, (transport.MaxPacket - 64) / 80))
                .Select(k => new DnsRecord(ServiceType, DnsType.Ptr, k.Remaining) { Target = k.Instance }).ToList();
        }
        var packet = DnsCodec.Encode(new DnsMessage { Questions = [new DnsQuestion(ServiceType, DnsType.Ptr)], Answers = known });
        if (packet.Length > transport.MaxPacket) packet = DnsCodec.Encode(new DnsMessage { Questions = [new DnsQuestion(ServiceType, DnsType.Ptr)] });
        Counters.QueriesSent++;
        Counters.PacketsSent++;
        transport.Multicast([packet]);
    }

    private async Task ReceiveAsync(bool oneShot, CancellationToken cancellationToken)
    {
        var buffer = new byte[DnsCodec.MaxPacket + 1];
        while (!cancellationToken.IsCancellationRequested)
        {
            var transport = _transport;
            int length;
            IPEndPoint from;
            try
            {
                (length, from) = await (oneShot ? transport.ReceiveOneShotAsync(buffer, cancellationToken) : transport.ReceiveAsync(buffer, cancellationToken)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return; }
            catch (Exception e) when (!ReferenceEquals(transport, _transport) && e is ObjectDisposedException or SocketException or OperationCanceledException)
            {
                continue; // the socket was replaced under us: listen on the new one
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
            {
                Interlocked.Increment(ref Counters.Malformed);
                continue;
            }
            catch (Exception e)
            {
                // The socket broke (interface gone, address removed): re-open on what is there now, and keep listening.
                Interlocked.Increment(ref Counters.Failures);
                Log.ReceiveFailed(_logger, e);
                _monitor.RequestReopen();
                try { await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            Interlocked.Increment(ref Counters.PacketsReceived);
            try
            {
                if (length > DnsCodec.MaxPacket) throw new FormatException("mDNS packet too long");
                Handle(buffer.AsSpan(0, length), from, transport, oneShot);
            }
            catch (FormatException)
            {
                Interlocked.Increment(ref Counters.Malformed);
            }
            catch (Exception e)
            {
                // A packet must never stop the loop; count it and go on.
                Interlocked.Increment(ref Counters.Failures);
                Log.PacketFailed(_logger, from, e);
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> packet, IPEndPoint from, MdnsTransport transport, bool oneShot)
    {
        // RFC 6762 §11: only packets from the local link count; anything else is spoofed or misrouted (checked first: it is cheaper).
        if (transport.OnLink(from.Address) is null)
        {
            Counters.OffLinkDropped++;
            return;
        }
        var responder = _responder;
        if ((responder is null || oneShot) && !DnsCodec.IsResponse(packet))
        {
            Counters.QueriesIgnored++; // nothing of ours to answer with: not even decoded
            return;
        }
        var message = DnsCodec.Decode(packet);
        if (message.IsResponse) Absorb(message);
        else responder!.Answer(message, from);
    }

    /// <summary>
    /// Learns Micro nodes from any response on the link: TXT carries the record; TTL 0 is a goodbye. A goodbye
    /// or a different record for one of our own instances is answered by re-announcing it (RFC 6762 §9, §10.1).
    /// </summary>
    private void Absorb(DnsMessage response)
    {
        List<LocalInstance>? defend = null;
        lock (_gate)
        {
            foreach (var record in response.Answers.Concat(response.Additionals))
            {
                if (record.Type == DnsType.Ptr && MdnsResponder.Is(record.Name, ServiceType) && record.Target is not null)
                {
                    if (_local.TryGetValue(record.Target.TrimEnd('.'), out var ours)) { if (record.Ttl == 0) (defend ??= []).Add(ours); }
                    else if (record.Ttl == 0) Goodbye(record.Target.TrimEnd('.'));
                }
                else if (record.Type is DnsType.Txt or DnsType.Srv && record.Name.EndsWith("." + ServiceType, StringComparison.OrdinalIgnoreCase))
                {
                    var instance = record.Name.TrimEnd('.');
                    if (_local.TryGetValue(instance, out var ours))
                    {
                        if (record.Ttl == 0 || Conflicts(record, ours)) (defend ??= []).Add(ours);
                    }
                    else if (record.Type == DnsType.Txt && record.Text is not null)
                    {
                        if (record.Ttl == 0) Goodbye(instance);
                        else _cache.Learn(instance, record.Text, record.Ttl);
                    }
                }
            }
        }
        if (defend is null) return;
        var now = _time.GetTimestamp();
        foreach (var ours in defend.Distinct())
        {
            // At most five defences a second per node: a flood of forged goodbyes cannot make us flood.
            if (ours.LastDefended != 0 && _time.GetElapsedTime(ours.LastDefended, now) < TimeSpan.FromMilliseconds(200)) continue;
            ours.LastDefended = now;
            Log.Defended(_logger, ours.Instance);
            Responder.Announce(ours);
        }
    }

    // Caller holds _gate. The node goes when the grace ends, not at the next periodic sweep.
    private void Goodbye(string instance)
    {
        _cache.Goodbye(instance);
        _goodbyeSweep.Change(_options.GoodbyeGrace + TimeSpan.FromMilliseconds(5), Timeout.InfiniteTimeSpan);
    }

    private static bool Conflicts(DnsRecord record, LocalInstance ours) => record.Type switch
    {
        DnsType.Srv => record.Port != ours.Srv.Record.Port || !MdnsResponder.Is(record.Host ?? "", ours.Host),
        DnsType.Txt => record.Text is null || record.Text.Count != ours.Txt.Record.Text!.Count
            || !record.Text.Zip(ours.Txt.Record.Text).All(p => p.First.AsSpan().SequenceEqual(p.Second)),
        _ => false,
    };

    private bool Differs(IReadOnlyList<MdnsInterface> picked) =>
        !picked.Select(i => (i.Name, i.Address, i.PrefixLength)).SequenceEqual(_transport.Interfaces.Select(i => (i.Name, i.Address, i.PrefixLength)));

    /// <summary>Runs on the monitor's thread (inside our namespace): a new socket on the new interfaces, then re-announce.</summary>
    private void Reopen(IReadOnlyList<MdnsInterface> interfaces)
    {
        if (_stop.IsCancellationRequested) return;
        var fresh = new MdnsTransport(interfaces, _options.Port);
        var old = _transport;
        _transport = fresh;
        old.Dispose();
        Interlocked.Increment(ref Counters.SocketReopens);
        Log.Reopened(_logger, string.Join(", ", interfaces.Select(i => $"{i.Name} {i.Address}")));
        List<LocalInstance> locals;
        lock (_gate) locals = [.. _local.Values];
        foreach (var known in locals)
        {
            var instance = known.FollowsInterfaces ? LocalInstance.Create(known.Registered, known.Ttl, interfaces, known) : known;
            if (ReferenceEquals(instance, known)) Responder.Announce(known);
            else Install(instance, known);
        }
        Query();
    }

    private void Sweep()
    {
        lock (_gate) _cache.Sweep();
    }

    // Caller holds _gate.
    private void Publish(RegistryEventType type, ServiceInfo service)
    {
        var change = new RegistryEvent(type, service, _time.GetUtcNow());
        foreach (var watcher in _watchers) watcher.Writer.TryWrite(change);
        if (type != RegistryEventType.Delete) _absent.Remove(service.Name);
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>Tests: stop as a killed process would, without goodbyes.</summary>
    internal async Task CrashForTestsAsync()
    {
        lock (_gate)
        {
            _local.Clear();
            _localSnapshot = [];
        }
        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Says goodbye for every local node, then closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        LocalInstance[] locals;
        lock (_gate) locals = [.. _local.Values];
        foreach (var instance in locals) Responder.Goodbye(instance);
        await _stop.CancelAsync().ConfigureAwait(false);
        _monitor.Dispose();
        await _sweep.DisposeAsync().ConfigureAwait(false);
        await _goodbyeSweep.DisposeAsync().ConfigureAwait(false);
        _responder?.Dispose();
        _transport.Dispose();
        try { await _receiving.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _scope.Dispose();
        _stop.Dispose();
    }
}
