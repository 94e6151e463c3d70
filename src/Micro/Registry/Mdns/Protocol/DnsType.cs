namespace Micro.Registry.Mdns.Protocol;

/// <summary>DNS record types mDNS / DNS-SD uses.</summary>
internal enum DnsType : ushort
{
    A = 1,
    Ptr = 12,
    Txt = 16,
    Aaaa = 28,
    Srv = 33,
    Any = 255,
}
