namespace Micro.Registry.Mdns;

/// <summary>What the mDNS registry saw and did, for tests, benchmarks and (later) health checks. Approximate under concurrency.</summary>
internal sealed class MdnsCounters
{
    public int PacketsReceived;
    public int PacketsSent;
    public int Malformed;
    public int Failures;
    public int OffLinkDropped;
    public int UnicastLimited;
    public int SocketReopens;
    public int QueriesSent;
    public int QueriesIgnored;
}
