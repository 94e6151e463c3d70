using System.Diagnostics;
using System.Threading.Channels;

namespace Micro.Conformance.Broker;

/// <summary>A child process running tests/Micro.Tests.BrokerWorker (a subscribing service or a publisher), killable with SIGKILL.</summary>
public sealed class BrokerWorker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _errors = [];

    private BrokerWorker(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Writer.TryWrite(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_errors) _errors.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static BrokerWorker Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(WorkerPath());
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        return new BrokerWorker(Process.Start(info) ?? throw new InvalidOperationException("could not start the broker worker"));
    }

    /// <summary>Waits for the line <paramref name="line"/>; fails with the worker's stderr if it does not come.</summary>
    public async Task WaitForAsync(string line, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var received in _lines.Reader.ReadAllAsync(cancel.Token))
                if (received == line) return;
        }
        catch (OperationCanceledException) { }
        string errors;
        lock (_errors) errors = string.Join('\n', _errors.TakeLast(40));
        throw new InvalidOperationException($"broker worker {_process.Id} did not print '{line}' within {timeout}; stderr:\n{errors}");
    }

    /// <summary>Waits for a line that <paramref name="match"/> accepts (log lines included) and returns it.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var received in _lines.Reader.ReadAllAsync(cancel.Token))
                if (match(received)) return received;
        }
        catch (OperationCanceledException) { }
        string errors;
        lock (_errors) errors = string.Join('\n', _errors.TakeLast(40));
        throw new InvalidOperationException($"broker worker {_process.Id} printed no expected line within {timeout}; stderr:\n{errors}");
    }

    public void Kill() => _process.Kill(entireProcessTree: false); // SIGKILL on Linux

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static string WorkerPath()
    {
        var here = AppContext.BaseDirectory;
        var configuration = here.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dir = new DirectoryInfo(here);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Micro.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"no Micro.slnx above {here}");
        var path = Path.Combine(dir.FullName, "tests", "Micro.Tests.BrokerWorker", "bin", configuration, "net10.0", "Micro.Tests.BrokerWorker.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build tests/Micro.Tests.BrokerWorker first");
    }
}
