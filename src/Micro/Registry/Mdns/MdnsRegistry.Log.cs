using System.Net;
using Microsoft.Extensions.Logging;

namespace Micro.Registry.Mdns;

public sealed partial class MdnsRegistry
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "mDNS: receiving failed; re-opening the socket")]
        public static partial void ReceiveFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Debug, "mDNS: a packet from {From} could not be handled")]
        public static partial void PacketFailed(ILogger logger, IPEndPoint from, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "mDNS: checking network interfaces failed")]
        public static partial void InterfaceCheckFailed(ILogger logger, Exception exception);

        [LoggerMessage(4, LogLevel.Information, "mDNS: socket re-opened on {Interfaces}")]
        public static partial void Reopened(ILogger logger, string interfaces);

        [LoggerMessage(5, LogLevel.Information, "mDNS: re-announced {Instance} after a goodbye or conflicting record from another host")]
        public static partial void Defended(ILogger logger, string instance);
    }
}
