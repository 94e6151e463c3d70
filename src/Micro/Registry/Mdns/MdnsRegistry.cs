// A focused mDNS / DNS-SD (RFC 6762 / 6763) implementation, written here because no maintained NuGet
// package both publishes and browses services with control over TXT contents, TTLs and goodbyes
// (Makaretu.Dns.Multicast is unmaintained since 2019; Zeroconf and Tmds.MDns only browse).
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;

namespace Micro.Registry.Mdns;

/// <summary>
/// The default registry: zero configuration on one network. Each node is a DNS-SD instance of
/// <c>_micro._tcp.local</c> (PTR, SRV, TXT, A); its service record travels in TXT. Nodes announce on
/// register (twice, a second apart), re-announce on every heartbeat, answer queries, and say goodbye
/// (TTL 0) when they deregister. Lookups answer from a cache filled by announcements and answers;
/// entries expire with their TTL, so a node that vanished without goodbye drops out.
/// </summary>
public sealed class MdnsRegistry : IRegistry, IAsyncDisposable
{
    public const string ServiceType = "_micro._tcp.local";
    private const string Enumeration = "_services._dns-sd._udp.local";

    private readonly MdnsRegistryOptions _options;
    private readonly TimeProvider _time;
    private readonly MdnsTransport _transport;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly Dictionary<string, (ServiceInfo Service, uint Ttl)> _local = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (ServiceInfo Service, long ExpiresAt)> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Channel<RegistryEvent>> _watchers = [];
    private readonly Task _receiving;
    private readonly ITimer _sweep;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastQuery;

    public MdnsRegistry(MdnsRegistryOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new MdnsRegistryOptions();
        _time = time ?? TimeProvider.System;
        _transport = new MdnsTransport(_options);
        _receiving = Task.Run(() => ReceiveAsync(_stop.Token));
        _sweep = _time.CreateTimer(_ => Sweep(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        Query();
    }

    public string Name => "mdns";

    /// <summary>Interfaces the registry sends and listens on.</summary>
    public IReadOnlyList<string> Interfaces => _transport.Interfaces.Select(i => i.Name).ToList();

    /// <summary>Packets received that were not valid DNS (ignored).</summary>
    public int MalformedPackets => _malformed;
    private int _malformed;

    public Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var ttl = (uint)Math.Max(1, (options?.Ttl ?? _options.DefaultTtl).TotalSeconds);
        var fresh = new List<ServiceInfo>();
        foreach (var node in service.Nodes)
        {
            var single = service with { Nodes = [node] };
            MdnsServiceText.Encode(single); // fails early when too large for mDNS
            var instance = InstanceName(node.Id);
            lock (_gate)
            {
                // New or changed records are announced twice (RFC 6762 §8.3, §8.4); a heartbeat once.
                if (!_local.TryGetValue(instance, out var known) || !SameRecord(known.Service, single)) fresh.Add(single);
                _local[instance] = (single, ttl);
            }
            Learn(instance, single, ttl);
            Send(Response(instance, single, ttl));
        }
        // RFC 6762 §8.3: announce a new record at least twice, a second apart.
        if (fresh.Count > 0)
            _ = Task.Delay(TimeSpan.FromSeconds(1), _time, _stop.Token).ContinueWith(_ =>
            {
                foreach (var single in fresh)
                {
                    var instance = InstanceName(single.Nodes[0].Id);
                    lock (_gate) if (!_local.TryGetValue(instance, out var current) || !ReferenceEquals(current.Service, single)) continue;
                    Send(Response(instance, single, ttl));
                }
            }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        foreach (var node in service.Nodes)
        {
            var instance = InstanceName(node.Id);
            ServiceInfo? known;
            lock (_gate)
            {
                known = _local.Remove(instance, out var entry) ? entry.Service : null;
            }
            if (known is null) continue;
            Send(Response(instance, known, ttl: 0)); // goodbye
            Forget(instance);
        }
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default)
    {
        var found = Snapshot(name);
        if (found.Count > 0) return found;
        // Unknown so far: ask the network and give answers a moment to arrive.
        await QueryAndWaitAsync(() => Snapshot(name).Count > 0, cancellationToken).ConfigureAwait(false);
        return Snapshot(name);
    }

    public async Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default)
    {
        await QueryAndWaitAsync(() => false, cancellationToken).ConfigureAwait(false);
        return Snapshot(null);
    }

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

    /// <summary>Cached services grouped by name and version, nodes merged.</summary>
    private List<ServiceInfo> Snapshot(string? name)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            return _cache.Values
                .Where(e => e.ExpiresAt > now && (name is null || string.Equals(e.Service.Name, name, StringComparison.Ordinal)))
                .GroupBy(e => (e.Service.Name, e.Service.Version))
                .Select(g => g.First().Service with { Nodes = g.SelectMany(e => e.Service.Nodes).ToList() })
                .ToList();
        }
    }

    private async Task QueryAndWaitAsync(Func<bool> satisfied, CancellationToken cancellationToken)
    {
        Query();
        var deadline = _time.GetTimestamp() + (long)(_options.QueryTimeout.TotalSeconds * _time.TimestampFrequency);
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

    private void Query()
    {
        Interlocked.Exchange(ref _lastQuery, _time.GetTimestamp());
        Send(new DnsMessage { Questions = [new DnsQuestion(ServiceType, DnsType.Ptr)] });
    }

    private void Send(DnsMessage message)
    {
        if (_stop.IsCancellationRequested) return;
        _transport.Send(DnsCodec.Encode(message));
    }

    private static string InstanceName(string nodeId)
    {
        var label = nodeId.Replace('.', '-');
        if (Encoding.UTF8.GetByteCount(label) > 63)
            label = label[..40] + "-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(nodeId)))[..16];
        return label + "." + ServiceType;
    }

    private static string HostName(string instance) => instance[..instance.IndexOf('.')] + ".local";

    /// <summary>PTR in answers; SRV, TXT and A in additionals (RFC 6763 §12.1).</summary>
    private DnsMessage Response(string instance, ServiceInfo single, uint ttl) => new()
    {
        IsResponse = true,
        Answers = [new DnsRecord(ServiceType, DnsType.Ptr, ttl) { Target = instance }],
        Additionals = InstanceRecords(instance, single, ttl),
    };

    private List<DnsRecord> InstanceRecords(string instance, ServiceInfo single, uint ttl)
    {
        var node = single.Nodes[0];
        var host = HostName(instance);
        var (ip, port) = SplitAddress(node.Address);
        var records = new List<DnsRecord>
        {
            new(instance, DnsType.Srv, ttl, CacheFlush: true) { Host = host, Port = port },
            new(instance, DnsType.Txt, ttl, CacheFlush: true) { Text = MdnsServiceText.Encode(single) },
        };
        foreach (var address in ip is null || IPAddress.Any.Equals(ip) ? _transport.Interfaces.Select(i => i.Address) : [ip])
            records.Add(new DnsRecord(host, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? DnsType.Aaaa : DnsType.A, ttl, CacheFlush: true) { Address = address });
        return records;
    }

    private static (IPAddress? Ip, ushort Port) SplitAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        var port = colon > 0 && ushort.TryParse(address.AsSpan(colon + 1), out var p) ? p : (ushort)0;
        var host = colon > 0 ? address[..colon].Trim('[', ']') : address;
        return (IPAddress.TryParse(host, out var ip) ? ip : null, port);
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[9000];
        while (!cancellationToken.IsCancellationRequested)
        {
            byte[] packet;
            IPEndPoint from;
            try
            {
                (packet, from) = await _transport.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (System.Net.Sockets.SocketException) { continue; }

            DnsMessage message;
            try { message = DnsCodec.Decode(packet); }
            catch (FormatException) { Interlocked.Increment(ref _malformed); continue; }
            try
            {
                if (message.IsResponse) Absorb(message);
                else Answer(message, from);
            }
            catch (ArgumentException) { Interlocked.Increment(ref _malformed); }
        }
    }

    /// <summary>Answers questions about our own records; everything else on the network is ignored.</summary>
    private void Answer(DnsMessage query, IPEndPoint from)
    {
        List<(string Instance, ServiceInfo Service, uint Ttl)> local;
        lock (_gate) local = _local.Select(kv => (kv.Key, kv.Value.Service, kv.Value.Ttl)).ToList();
        if (local.Count == 0) return;
        var answers = new List<DnsRecord>();
        var additionals = new List<DnsRecord>();
        foreach (var q in query.Questions)
        {
            if (Is(q.Name, Enumeration) && q.Type is DnsType.Ptr or DnsType.Any)
                answers.Add(new DnsRecord(Enumeration, DnsType.Ptr, local[0].Ttl) { Target = ServiceType });
            foreach (var (instance, service, ttl) in local)
            {
                var records = InstanceRecords(instance, service, ttl);
                if (Is(q.Name, ServiceType) && q.Type is DnsType.Ptr or DnsType.Any)
                {
                    answers.Add(new DnsRecord(ServiceType, DnsType.Ptr, ttl) { Target = instance });
                    additionals.AddRange(records);
                }
                else if (Is(q.Name, instance))
                {
                    answers.AddRange(records.Where(r => Is(r.Name, instance) && (q.Type == DnsType.Any || r.Type == q.Type)));
                    additionals.AddRange(records.Where(r => !Is(r.Name, instance)));
                }
                else if (Is(q.Name, HostName(instance)))
                {
                    answers.AddRange(records.Where(r => Is(r.Name, q.Name) && (q.Type == DnsType.Any || r.Type == q.Type)));
                }
            }
        }
        if (answers.Count == 0) return;
        var response = new DnsMessage { IsResponse = true, Answers = answers.Distinct().ToList(), Additionals = additionals.Except(answers).Distinct().ToList() };
        // A querier not on port 5353 (or asking for a unicast answer) also gets one directly (RFC 6762 §5.5, §6.7).
        var unicast = from.Port != _options.Port || query.Questions.Any(q => q.UnicastResponse) ? from : null;
        _transport.Send(DnsCodec.Encode(response), unicast);
    }

    /// <summary>Learns Micro nodes from any response on the network: TXT carries the record; TTL 0 is a goodbye.</summary>
    private void Absorb(DnsMessage response)
    {
        foreach (var record in response.Answers.Concat(response.Additionals))
        {
            if (record.Type == DnsType.Ptr && Is(record.Name, ServiceType) && record.Ttl == 0 && record.Target is not null)
            {
                Forget(record.Target);
            }
            else if (record.Type == DnsType.Txt && record.Name.EndsWith("." + ServiceType, StringComparison.OrdinalIgnoreCase) && record.Text is not null)
            {
                if (record.Ttl == 0) { Forget(record.Name); continue; }
                var service = MdnsServiceText.Decode(record.Text);
                if (service is not null) Learn(record.Name, service, record.Ttl);
            }
        }
    }

    private void Learn(string instance, ServiceInfo service, uint ttl)
    {
        var expiresAt = _time.GetTimestamp() + (long)ttl * _time.TimestampFrequency;
        lock (_gate)
        {
            var known = _cache.TryGetValue(instance, out var existing);
            _cache[instance] = (service, expiresAt);
            if (!known) Publish(RegistryEventType.Create, service);
            else if (!SameRecord(existing.Service, service)) Publish(RegistryEventType.Update, service);
        }
    }

    private void Forget(string instance)
    {
        lock (_gate)
        {
            if (_cache.Remove(instance, out var gone)) Publish(RegistryEventType.Delete, gone.Service);
        }
    }

    private void Sweep()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            foreach (var instance in _cache.Where(kv => kv.Value.ExpiresAt <= now).Select(kv => kv.Key).ToList())
            {
                _cache.Remove(instance, out var gone);
                Publish(RegistryEventType.Delete, gone.Service);
            }
        }
    }

    private static bool SameRecord(ServiceInfo a, ServiceInfo b) =>
        System.Text.Json.JsonSerializer.Serialize(a, RegistryJsonContext.Default.ServiceInfo) ==
        System.Text.Json.JsonSerializer.Serialize(b, RegistryJsonContext.Default.ServiceInfo);

    // Caller holds _gate.
    private void Publish(RegistryEventType type, ServiceInfo service)
    {
        var change = new RegistryEvent(type, service, _time.GetUtcNow());
        foreach (var watcher in _watchers) watcher.Writer.TryWrite(change);
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static bool Is(string name, string expected) => string.Equals(name.TrimEnd('.'), expected, StringComparison.OrdinalIgnoreCase);

    /// <summary>Tests: stop as a killed process would, without goodbyes.</summary>
    internal async Task CrashForTestsAsync()
    {
        lock (_gate) _local.Clear();
        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        List<(string, ServiceInfo)> local;
        lock (_gate) local = _local.Select(kv => (kv.Key, kv.Value.Service)).ToList();
        foreach (var (instance, service) in local) Send(Response(instance, service, ttl: 0));
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sweep.DisposeAsync().ConfigureAwait(false);
        _transport.Dispose();
        try { await _receiving.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
