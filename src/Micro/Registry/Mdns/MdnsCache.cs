using Micro.Registry.Mdns.Protocol;

namespace Micro.Registry.Mdns;

/// <summary>
/// What this node knows of other nodes, learnt from their TXT records. Bounded: at most
/// <see cref="RegistryOptions.MaxCachedNodes"/> entries (the least recently refreshed is evicted) and
/// <see cref="RegistryOptions.MaxNodesPerService"/> per service (new ones beyond it are ignored);
/// received TTLs are capped. A TXT identical to the one cached only refreshes the entry, so a repeated
/// announcement is never decoded twice. Not thread-safe: the registry holds its lock around every call.
/// </summary>
internal sealed class MdnsCache(RegistryOptions options, TimeProvider time, Action<RegistryEventType, ServiceInfo> publish)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly LinkedList<Entry> _byRefresh = new(); // least recently refreshed first
    private readonly Dictionary<string, int> _perService = new(StringComparer.Ordinal);

    /// <summary>TXT payloads decoded (a repeat of a cached one is not).</summary>
    public int Decodes { get; private set; }

    /// <summary>Entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>Learns (or refreshes) a node from its instance's TXT strings; TTL 0 is a goodbye.</summary>
    public void Learn(string instance, IReadOnlyList<byte[]> text, uint ttl)
    {
        if (ttl == 0)
        {
            Goodbye(instance);
            return;
        }
        var now = time.GetTimestamp();
        var expiresAt = now + Ticks(TimeSpan.FromSeconds(Math.Min(ttl, options.MaxRecordTtl.TotalSeconds)));
        if (_entries.TryGetValue(instance, out var entry) && SameText(entry.Text, text))
        {
            // A legacy unicast answer (TTL at most 10 s) must not shorten what a full announcement gave.
            if (expiresAt > entry.ExpiresAt)
            {
                entry.ExpiresAt = expiresAt;
                entry.Ttl = ttl;
            }
            Touch(entry);
            return;
        }
        Decodes++;
        var service = MdnsServiceText.Decode(text);
        if (service is null) return;
        if (entry is not null)
        {
            var changed = !RegistryRecords.Same(entry.Service, service);
            if (!string.Equals(entry.Service.Name, service.Name, StringComparison.Ordinal))
            {
                Remove(entry, publishDelete: true);
                Add(instance, service, text, ttl, expiresAt);
                return;
            }
            entry.Service = service;
            entry.Text = text;
            entry.ExpiresAt = expiresAt;
            entry.Ttl = ttl;
            Touch(entry);
            if (changed) publish(RegistryEventType.Update, service);
            return;
        }
        Add(instance, service, text, ttl, expiresAt);
    }

    private void Add(string instance, ServiceInfo service, IReadOnlyList<byte[]> text, uint ttl, long expiresAt)
    {
        _perService.TryGetValue(service.Name, out var count);
        if (count >= options.MaxNodesPerService) return;
        while (_entries.Count >= options.MaxCachedNodes && _byRefresh.First is { } oldest) Remove(oldest.Value, publishDelete: true);
        var entry = new Entry(instance, service, text, ttl, expiresAt);
        entry.Node = _byRefresh.AddLast(entry);
        _entries[instance] = entry;
        _perService[service.Name] = count + 1;
        publish(RegistryEventType.Create, service);
    }

    /// <summary>A goodbye: the node goes after a short grace, unless it is announced again first (RFC 6762 §10.1).</summary>
    public void Goodbye(string instance)
    {
        if (!_entries.TryGetValue(instance, out var entry)) return;
        entry.ExpiresAt = Math.Min(entry.ExpiresAt, time.GetTimestamp() + Ticks(options.GoodbyeGrace));
    }

    /// <summary>Drops entries whose TTL (or goodbye grace) ran out.</summary>
    public void Sweep()
    {
        var now = time.GetTimestamp();
        List<Entry>? dead = null;
        foreach (var entry in _entries.Values)
            if (entry.ExpiresAt <= now) (dead ??= []).Add(entry);
        foreach (var entry in dead ?? []) Remove(entry, publishDelete: true);
    }

    /// <summary>Live services (all, or by name), one per name and version, nodes merged.</summary>
    public IEnumerable<ServiceInfo> Services(string? name)
    {
        var now = time.GetTimestamp();
        foreach (var entry in _entries.Values)
            if (entry.ExpiresAt > now && (name is null || string.Equals(entry.Service.Name, name, StringComparison.Ordinal)))
                yield return entry.Service;
    }

    /// <summary>Instances whose PTR we know with more than half its TTL left, for known-answer suppression (RFC 6762 §7.1).</summary>
    public IEnumerable<(string Instance, uint Remaining)> KnownAnswers()
    {
        var now = time.GetTimestamp();
        foreach (var entry in _entries.Values)
        {
            var remaining = (uint)Math.Max(0, (entry.ExpiresAt - now) / time.TimestampFrequency);
            if (remaining * 2 > entry.Ttl) yield return (entry.Instance, remaining);
        }
    }

    private void Remove(Entry entry, bool publishDelete)
    {
        _entries.Remove(entry.Instance);
        _byRefresh.Remove(entry.Node!);
        if (_perService.TryGetValue(entry.Service.Name, out var count))
        {
            if (count <= 1) _perService.Remove(entry.Service.Name);
            else _perService[entry.Service.Name] = count - 1;
        }
        if (publishDelete) publish(RegistryEventType.Delete, entry.Service);
    }

    private void Touch(Entry entry)
    {
        _byRefresh.Remove(entry.Node!);
        _byRefresh.AddLast(entry.Node!);
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private static bool SameText(IReadOnlyList<byte[]> a, IReadOnlyList<byte[]> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
            if (!a[i].AsSpan().SequenceEqual(b[i])) return false;
        return true;
    }

    private sealed class Entry(string instance, ServiceInfo service, IReadOnlyList<byte[]> text, uint ttl, long expiresAt)
    {
        public string Instance { get; } = instance;
        public ServiceInfo Service { get; set; } = service;
        public IReadOnlyList<byte[]> Text { get; set; } = text;
        public uint Ttl { get; set; } = ttl;
        public long ExpiresAt { get; set; } = expiresAt;
        public LinkedListNode<Entry>? Node { get; set; }
    }
}
