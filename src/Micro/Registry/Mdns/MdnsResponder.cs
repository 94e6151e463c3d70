using System.Net;
using Micro.Registry.Mdns.Protocol;

namespace Micro.Registry.Mdns;

/// <summary>
/// Answers queries about this process's nodes with constant work per packet (RFC 6762 §6, §7): duplicate
/// questions are answered once (and at most <see cref="MaxQuestions"/> distinct ones), each record appears
/// once per response, records the querier already knows are left out (known-answer suppression), packets
/// never exceed the MTU, a record is multicast at most once a second (later questions join the queued answer),
/// shared records wait a random 20-120 ms. Unicast answers go only to on-link queriers (§11), at a bounded
/// rate; legacy queriers (source port not 5353) get the query id and questions back, with TTLs of at most 10 s (§6.7).
/// </summary>
internal sealed class MdnsResponder : IDisposable
{
    public const string Enumeration = "_services._dns-sd._udp.local";
    private const int MaxQuestions = 32;
    private const int UnicastPerSecond = 50;

    private readonly Func<IReadOnlyList<LocalInstance>> _locals;
    private readonly Func<MdnsTransport> _transport;
    private readonly RegistryOptions _options;
    private readonly TimeProvider _time;
    private readonly MdnsCounters _counters;
    private readonly EncodedRecord _enumeration;
    private readonly Lock _gate = new();
    // Orders a flush of queued answers and a goodbye: a goodbye is never overtaken by an answer taken before it.
    private readonly Lock _sendOrder = new();
    private readonly List<(EncodedRecord Record, bool Answer)> _pending = [];
    private readonly ITimer _flush;
    private long _flushAt = long.MaxValue;
    private double _unicastTokens = UnicastPerSecond;
    private long _unicastRefilled;

    public MdnsResponder(Func<IReadOnlyList<LocalInstance>> locals, Func<MdnsTransport> transport, RegistryOptions options, TimeProvider time, MdnsCounters counters)
    {
        _locals = locals;
        _transport = transport;
        _options = options;
        _time = time;
        _counters = counters;
        _enumeration = new EncodedRecord(new DnsRecord(Enumeration, DnsType.Ptr, (uint)options.DefaultTtl.TotalSeconds) { Target = LocalInstance.ServiceType });
        _flush = time.CreateTimer(_ => Flush(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private long Second => _time.TimestampFrequency;

    /// <summary>Answers one query from <paramref name="from"/>.</summary>
    public void Answer(DnsMessage query, IPEndPoint from)
    {
        var locals = _locals();
        if (locals.Count == 0 || query.Questions.Count == 0) return;
        var transport = _transport();
        var legacy = from.Port != _options.Port;
        var onLink = transport.OnLink(from.Address) is not null;
        var wantsUnicast = legacy || query.Questions.Any(q => q.UnicastResponse);
        if (legacy && !onLink)
        {
            _counters.OffLinkDropped++;
            return; // a legacy querier only hears unicast; off-link ones get nothing (§11)
        }

        var questions = Distinct(query.Questions);
        var answers = new List<EncodedRecord>();
        var additionals = new List<EncodedRecord>();
        foreach (var q in questions) Match(q, locals, answers, additionals);
        answers.RemoveAll(r => Known(query.Answers, r.Record));
        if (answers.Count == 0) return;
        additionals.RemoveAll(answers.Contains);

        if (wantsUnicast && onLink)
        {
            if (!TakeUnicastToken()) { _counters.UnicastLimited++; return; }
            var packets = legacy
                ? DnsPacketWriter.Responses(answers.Select(r => r.ForLegacyUnicast()).ToList(), additionals.Select(r => r.ForLegacyUnicast()).ToList(),
                    transport.MaxPacket, query.Id, questions.Select(DnsCodec.EncodeQuestion).ToList())
                : DnsPacketWriter.Responses(answers.Select(r => r.Wire).ToList(), additionals.Select(r => r.Wire).ToList(), transport.MaxPacket);
            _counters.PacketsSent += packets.Count;
            transport.Unicast(packets, from);
            return;
        }
        if (wantsUnicast) _counters.OffLinkDropped++; // off-link QU question: answered by multicast only
        // A probe (a query with proposed records in its authority section, §8.1) is answered at once and may
        // repeat a record after 250 ms rather than a second; anything else waits its turn.
        var probe = query.Authorities.Count > 0;
        Schedule(answers, additionals, delay: !probe && answers.Any(r => r.IsShared), minimumGap: probe ? Second / 4 : Second);
    }

    /// <summary>Multicasts every record of <paramref name="instance"/> now (announcement, refresh or defence).</summary>
    public void Announce(LocalInstance instance)
    {
        var now = _time.GetTimestamp();
        instance.LastAnnounced = now;
        instance.Ptr.LastMulticast = now;
        foreach (var r in instance.Unique) r.LastMulticast = now;
        Send(DnsPacketWriter.Responses([instance.Ptr.Wire], instance.Unique.Select(r => r.Wire).ToList(), _transport().MaxPacket));
    }

    /// <summary>Multicasts the records of <paramref name="instance"/> with TTL 0 (after dropping any queued answer that would revive them).</summary>
    public void Goodbye(LocalInstance instance)
    {
        lock (_sendOrder)
        {
            Forget(instance);
            Send(DnsPacketWriter.Responses(instance.GoodbyeAnswers(), instance.GoodbyeAdditionals(), _transport().MaxPacket));
        }
    }

    /// <summary>Drops queued answers carrying <paramref name="instance"/>'s records: it was replaced or said goodbye.</summary>
    public void Forget(LocalInstance instance)
    {
        lock (_gate)
        {
            _pending.RemoveAll(p =>
            {
                var stale = ReferenceEquals(p.Record, instance.Ptr) || instance.Unique.Contains(p.Record);
                if (stale) p.Record.ScheduledFor = 0;
                return stale;
            });
        }
    }

    private void Send(List<byte[]> packets)
    {
        _counters.PacketsSent += packets.Count;
        _transport().Multicast(packets);
    }

    private static List<DnsQuestion> Distinct(IReadOnlyList<DnsQuestion> questions)
    {
        var distinct = new List<DnsQuestion>(Math.Min(questions.Count, MaxQuestions));
        foreach (var q in questions)
        {
            var seen = false;
            foreach (var d in distinct)
                if (d.Type == q.Type && (ReferenceEquals(d.Name, q.Name) || Is(d.Name, q.Name))) { seen = true; break; }
            if (seen) continue;
            distinct.Add(q);
            if (distinct.Count == MaxQuestions) break;
        }
        return distinct;
    }

    private void Match(DnsQuestion q, IReadOnlyList<LocalInstance> locals, List<EncodedRecord> answers, List<EncodedRecord> additionals)
    {
        var any = q.Type == DnsType.Any;
        if (Is(q.Name, Enumeration) && (any || q.Type == DnsType.Ptr))
            AddOnce(answers, _enumeration);
        foreach (var local in locals)
        {
            if (Is(q.Name, LocalInstance.ServiceType) && (any || q.Type == DnsType.Ptr))
            {
                AddOnce(answers, local.Ptr);
                foreach (var r in local.Unique) AddOnce(additionals, r);
            }
            else if (Is(q.Name, local.Instance))
            {
                if (any || q.Type == DnsType.Srv) AddOnce(answers, local.Srv);
                if (any || q.Type == DnsType.Txt) AddOnce(answers, local.Txt);
                foreach (var a in local.Addresses) AddOnce(additionals, a);
            }
            else if (Is(q.Name, local.Host))
            {
                foreach (var a in local.Addresses)
                    if (any || a.Record.Type == q.Type) AddOnce(answers, a);
            }
        }
    }

    private static void AddOnce(List<EncodedRecord> list, EncodedRecord record)
    {
        if (!list.Contains(record)) list.Add(record);
    }

    /// <summary>The querier lists this record with at least half its TTL left: it needs no answer (§7.1).</summary>
    private static bool Known(IReadOnlyList<DnsRecord> knownAnswers, DnsRecord ours)
    {
        foreach (var k in knownAnswers)
        {
            if (k.Type != ours.Type || k.Ttl * 2 < ours.Ttl || !Is(k.Name, ours.Name)) continue;
            var same = ours.Type switch
            {
                DnsType.Ptr => k.Target is not null && Is(k.Target, ours.Target!),
                DnsType.Srv => k.Port == ours.Port && k.Host is not null && Is(k.Host, ours.Host!),
                DnsType.A or DnsType.Aaaa => Equals(k.Address, ours.Address),
                DnsType.Txt => k.Text is not null && k.Text.Count == ours.Text!.Count && k.Text.Zip(ours.Text).All(p => p.First.AsSpan().SequenceEqual(p.Second)),
                _ => false,
            };
            if (same) return true;
        }
        return false;
    }

    /// <summary>Queues records for multicast, each no sooner than <paramref name="minimumGap"/> after its last one; a queued record is not queued again.</summary>
    private void Schedule(List<EncodedRecord> answers, List<EncodedRecord> additionals, bool delay, long minimumGap)
    {
        var now = _time.GetTimestamp();
        var due = now + (delay ? Random.Shared.Next(20, 121) * Second / 1000 : 0);
        var flushNow = false;
        lock (_gate)
        {
            foreach (var (list, isAnswer) in new[] { (answers, true), (additionals, false) })
                foreach (var r in list)
                {
                    if (r.ScheduledFor != 0) continue;
                    // Additionals wait with their answers: a querier that missed the last multicast needs the TXT too.
                    r.ScheduledFor = Math.Max(due, r.LastMulticast == 0 ? 0 : r.LastMulticast + minimumGap);
                    _pending.Add((r, isAnswer));
                }
            var next = _pending.Count == 0 ? long.MaxValue : _pending.Min(p => p.Record.ScheduledFor);
            if (next <= now) flushNow = true;
            else if (next < _flushAt)
            {
                _flushAt = next;
                _flush.Change(_time.GetElapsedTime(now, next), Timeout.InfiniteTimeSpan);
            }
        }
        if (flushNow) Flush();
    }

    private void Flush()
    {
        lock (_sendOrder) FlushDue();
    }

    private void FlushDue()
    {
        var now = _time.GetTimestamp();
        List<byte[]> answers = [], additionals = [];
        lock (_gate)
        {
            _flushAt = long.MaxValue;
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var (record, isAnswer) = _pending[i];
                if (record.ScheduledFor > now) continue;
                (isAnswer ? answers : additionals).Add(record.Wire);
                record.LastMulticast = now;
                record.ScheduledFor = 0;
                _pending.RemoveAt(i);
            }
            if (_pending.Count > 0)
            {
                _flushAt = _pending.Min(p => p.Record.ScheduledFor);
                _flush.Change(_time.GetElapsedTime(now, Math.Max(now, _flushAt)), Timeout.InfiniteTimeSpan);
            }
        }
        if (answers.Count + additionals.Count == 0) return;
        answers.Reverse();
        additionals.Reverse();
        Send(DnsPacketWriter.Responses(answers, additionals, _transport().MaxPacket));
    }

    private bool TakeUnicastToken()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _unicastTokens = Math.Min(UnicastPerSecond, _unicastTokens + (now - _unicastRefilled) * (double)UnicastPerSecond / Second);
            _unicastRefilled = now;
            if (_unicastTokens < 1) return false;
            _unicastTokens--;
            return true;
        }
    }

    internal static bool Is(string name, string expected) =>
        name.Length - (name.EndsWith('.') ? 1 : 0) == expected.Length && name.StartsWith(expected, StringComparison.OrdinalIgnoreCase);

    public void Dispose() => _flush.Dispose();
}
