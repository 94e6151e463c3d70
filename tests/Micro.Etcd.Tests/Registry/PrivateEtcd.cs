using Micro.Tests.Shared;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using dotnet_etcd;
using Etcdserverpb;

namespace Micro.Etcd.Tests.Registry;

/// <summary>
/// An etcd of the test's own, on free loopback ports in a temporary directory, that the test may kill and
/// restart (never the shared one). Disposing stops it and deletes its data.
/// </summary>
internal sealed class PrivateEtcd : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("micro-etcd-").FullName;
    private readonly int _clientPort = FreePort();
    private readonly int _peerPort = FreePort();
    private Process? _process;

    public string Address => $"127.0.0.1:{_clientPort}";

    public int Port => _clientPort;

    public static async Task<PrivateEtcd> StartAsync()
    {
        var etcd = new PrivateEtcd();
        await etcd.RestartAsync();
        return etcd;
    }

    /// <summary>Starts etcd on the same ports and data (after <see cref="Kill"/>), and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        var peer = $"http://127.0.0.1:{_peerPort}";
        var info = new ProcessStartInfo("etcd",
            $"--name private --data-dir {_dir}/data --listen-client-urls http://{Address} --advertise-client-urls http://{Address} " +
            $"--listen-peer-urls {peer} --initial-advertise-peer-urls {peer} --initial-cluster private={peer}")
        { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(info)!.DiscardOutput();
        using var client = new EtcdClient("http://" + Address);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.StatusAsync(new StatusRequest());
                return;
            }
            catch (Grpc.Core.RpcException) when (clock.Elapsed < TimeSpan.FromSeconds(30) && !_process.HasExited)
            {
                await Task.Delay(100); // etcd is starting: there is nothing to await but its port
            }
        }
    }

    /// <summary>SIGKILL: no clean shutdown.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        _process.WaitForExit(10_000);
        _process.Dispose();
        _process = null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
