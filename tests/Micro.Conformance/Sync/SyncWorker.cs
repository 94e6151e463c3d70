using System.Diagnostics;
using System.Threading.Channels;

namespace Micro.Conformance.Sync;

/// <summary>
/// A child process running tests/Micro.Tests.SyncWorker: a separate holder or candidate that a test
/// can SIGKILL. It prints one line per event (HELD token, LEADER token, DONE).
/// </summary>
public sealed class SyncWorker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _errors = [];

    private SyncWorker(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is null) _lines.Writer.TryComplete(); else _lines.Writer.TryWrite(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_errors) _errors.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int ProcessId => _process.Id;

    public static SyncWorker Start(string backend, string address, string id, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(WorkerPath());
        info.ArgumentList.Add(backend);
        info.ArgumentList.Add(address);
        info.ArgumentList.Add(id);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return new SyncWorker(Process.Start(info) ?? throw new InvalidOperationException("could not start the sync worker"));
    }

    /// <summary>The next line that starts with <paramref name="prefix"/>; fails with the worker's stderr if it exits first.</summary>
    public async Task<string> WaitForAsync(string prefix, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cancel.Token))
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return line[prefix.Length..].Trim();
        }
        catch (OperationCanceledException) { }
        string errors;
        lock (_errors) errors = string.Join('\n', _errors);
        throw new InvalidOperationException($"sync worker {_process.Id} did not print {prefix} within {timeout}; stderr:\n{errors}");
    }

    public void Kill() => _process.Kill(entireProcessTree: false); // SIGKILL on Linux

    public async Task WaitForExitAsync(TimeSpan timeout) => await _process.WaitForExitAsync().WaitAsync(timeout);

    public int ExitCode => _process.ExitCode;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    // Built beside the tests (the test projects reference it without using its assembly).
    private static string WorkerPath()
    {
        var here = AppContext.BaseDirectory;
        var configuration = here.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dir = new DirectoryInfo(here);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Micro.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"no Micro.slnx above {here}");
        var bin = Path.Combine(dir.FullName, "tests", "Micro.Tests.SyncWorker", "bin");
        var path = Path.Combine(bin, configuration, "net10.0", "Micro.Tests.SyncWorker.dll");
        if (File.Exists(path)) return path;
        var other = Path.Combine(bin, configuration == "Debug" ? "Release" : "Debug", "net10.0", "Micro.Tests.SyncWorker.dll");
        if (File.Exists(other)) return other;
        throw new InvalidOperationException($"{path} is missing: build tests/Micro.Tests.SyncWorker first");
    }
}
