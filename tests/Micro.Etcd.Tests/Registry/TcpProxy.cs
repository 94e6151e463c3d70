using System.Net;
using System.Net.Sockets;

namespace Micro.Etcd.Tests.Registry;

/// <summary>A loopback TCP forwarder the test can cut (every connection dropped, new ones refused) and restore: a network partition.</summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _cut;

    public TcpProxy(int target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var client in _open) client.Dispose();
            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            if (_cut)
            {
                inbound.Dispose();
                continue;
            }
            _ = ForwardAsync(inbound);
        }
    }

    private async Task ForwardAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            lock (_open) { _open.Add(inbound); _open.Add(outbound); }
            var a = inbound.GetStream().CopyToAsync(outbound.GetStream(), _stop.Token);
            var b = outbound.GetStream().CopyToAsync(inbound.GetStream(), _stop.Token);
            await Task.WhenAny(a, b);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stop.Dispose();
    }
}
