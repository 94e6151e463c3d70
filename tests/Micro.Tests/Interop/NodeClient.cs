using System.Diagnostics;
using System.Threading.Channels;

namespace Micro.Tests.Interop;

/// <summary>
/// Runs one of the independent grpc-js clients in tests/interop (installed by scripts/install.sh) and hands its
/// JSON-lines output over line by line. Killed on dispose; each script also stops itself after 60 s.
/// </summary>
internal sealed class NodeClient : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];

    private NodeClient(Process process) => _process = process;

    public static string InteropFolder => Path.Combine(Micro.Tests.Shared.RepoPaths.Root, "tests", "interop");

    public static NodeClient Start(string script, params string[] arguments)
    {
        var folder = InteropFolder;
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "@grpc", "grpc-js")),
            "the grpc-js interop clients are not installed: run scripts/install.sh (npm ci in tests/interop)");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        start.ArgumentList.Add(Path.Combine(folder, script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var client = new NodeClient(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is null) client._lines.Writer.TryComplete(); else client._lines.Writer.TryWrite(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (client._stderr) client._stderr.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>The next line the client printed; fails the test if none comes within <paramref name="timeout"/>.</summary>
    public async Task<string> NextLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (await _lines.Reader.WaitToReadAsync(cts.Token) && _lines.Reader.TryRead(out var line)) return line;
        }
        catch (OperationCanceledException) { }
        string errors;
        lock (_stderr) errors = string.Join("\n", _stderr);
        Assert.Fail($"no output from the node client within {timeout}; stderr:\n{errors}");
        return "";
    }

    public string Errors { get { lock (_stderr) return string.Join("\n", _stderr); } }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
