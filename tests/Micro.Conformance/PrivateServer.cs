using Micro.Tests.Shared;
using System.Diagnostics;

namespace Micro.Conformance;

/// <summary>
/// A server of the test's own (etcd, Redis) on free loopback ports in a temp folder, for tests that stop and
/// restart a server: the shared servers of scripts/servers.sh are never touched. Dispose stops it and deletes
/// the folder. Only the process this object started is ever killed.
/// </summary>
public sealed class PrivateServer : IAsyncDisposable
{
    private readonly string _program;
    private readonly Func<string[]> _arguments;
    private Process? _process;

    private PrivateServer(string name, string program, int port, Func<PrivateServer, string[]> arguments)
    {
        Folder = Directory.CreateTempSubdirectory($"micro-{name}-").FullName;
        _program = program;
        Port = port;
        _arguments = () => arguments(this);
    }

    /// <summary>The client port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>"127.0.0.1:port".</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The server's data folder.</summary>
    public string Folder { get; }

    /// <summary>A port nothing listens on now (and the server will use).</summary>
    public static int FreePort() => Micro.Tests.Shared.TcpPorts.Free();

    /// <summary>An etcd (not started yet) on <paramref name="port"/> (a free one when null).</summary>
    public static PrivateServer Etcd(int? port = null)
    {
        var peer = FreePort();
        return new PrivateServer("etcd", "etcd", port ?? FreePort(), s =>
        [
            "--name", "private", "--data-dir", Path.Combine(s.Folder, "data"),
            "--listen-client-urls", $"http://127.0.0.1:{s.Port}", "--advertise-client-urls", $"http://127.0.0.1:{s.Port}",
            "--listen-peer-urls", $"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
            "--initial-cluster", $"private=http://127.0.0.1:{peer}",
        ]);
    }

    /// <summary>A Redis (not started yet) without persistence, unless <paramref name="appendOnly"/>.</summary>
    public static PrivateServer Redis(bool appendOnly = false, int? port = null) =>
        new("redis", "redis-server", port ?? FreePort(), s =>
        [
            "--bind", "127.0.0.1", "--port", s.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--dir", s.Folder,
        ]);

    /// <summary>Starts the server and waits (bounded) until its port accepts connections.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) return;
        var info = new ProcessStartInfo(_program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in _arguments()) info.ArgumentList.Add(argument);
        _process = Process.Start(info)!.DiscardOutput();
        await Micro.Tests.Shared.TcpPorts.WaitForListenerAsync(Port, _process, TimeSpan.FromSeconds(20));
    }

    /// <summary>Kills the server (SIGKILL: no goodbye, no flush) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { /* a file still held for a moment: the temp folder is cleaned later */ }
    }
}
