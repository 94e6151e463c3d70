using System.Net;
using System.Net.Sockets;

namespace Micro.Tests.Shared;

/// <summary>
/// A loopback TCP forwarder the test can cut (every connection dropped, new ones refused) and restore, or freeze (every
/// byte held, nothing closed, as when the network between two hosts drops packets): a network partition. Linked into
/// the test projects that need one.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _cut;
    private readonly TaskCompletionSource _frozen = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    /// <summary>From now on nothing passes in either direction, and no connection is closed.</summary>
    public void Freeze() => _frozen.TrySetResult();

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
            var a = CopyAsync(inbound.GetStream(), outbound.GetStream());
            var b = CopyAsync(outbound.GetStream(), inbound.GetStream());
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

    private async Task CopyAsync(Stream from, Stream to)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0) return;
            // Bytes read once frozen are dropped, and the stream is held open until the proxy is disposed.
            if (_frozen.Task.IsCompleted) { await Task.Delay(Timeout.Infinite, _stop.Token); return; }
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
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
