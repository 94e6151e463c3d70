using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Micro.Tests.Shared;

/// <summary>Ports for child processes the tests start (linked into each test project that needs it).</summary>
internal static class TcpPorts
{
    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until <paramref name="process"/> accepts TCP connections on <paramref name="port"/>.</summary>
    public static async Task WaitForListenerAsync(int port, Process process, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            Assert.False(process.HasExited, "the program exited before listening");
            using var socket = new TcpClient();
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50); // polling a port: there is no event to await across processes
            }
        }
        Assert.Fail($"nothing listened on port {port} within {timeout}");
    }
}
