using System.Diagnostics;
using System.Threading.Channels;
using Micro.Tests.Shared;

namespace Micro.Conformance;

/// <summary>
/// A test worker in a process of its own (tests/Micro.Tests.BrokerWorker, tests/Micro.Tests.SyncWorker): it prints one
/// line per event ("ready", "HELD 42", ...) and a test can SIGKILL it. <see cref="Broker.BrokerWorker"/> and
/// <see cref="Sync.SyncWorker"/> say how each is started.
/// </summary>
public abstract class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _errors = [];

    /// <summary>Takes over <paramref name="process"/> (started by <see cref="StartProcess"/>), reading its output from now on.</summary>
    protected WorkerProcess(Process process, string name)
    {
        _process = process;
        _name = name;
        process.OutputDataReceived += (_, e) => { if (e.Data is null) _lines.Writer.TryComplete(); else _lines.Writer.TryWrite(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_errors) _errors.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts the built tests/<paramref name="project"/> with <paramref name="args"/> and <paramref name="environment"/> added.</summary>
    protected static Process StartProcess(string project, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(RepoPaths.BuiltDll("tests", project));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {project}");
    }

    /// <summary>The worker's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The worker's exit code, once it has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The rest of the next line that starts with <paramref name="prefix"/>; fails with the worker's stderr if it does not come (or the worker exits).</summary>
    public async Task<string> WaitForAsync(string prefix, TimeSpan timeout) =>
        (await WaitForAsync(line => line.StartsWith(prefix, StringComparison.Ordinal), timeout, prefix))[prefix.Length..].Trim();

    /// <summary>The next line that <paramref name="match"/> accepts (log lines included); fails with the worker's stderr if none comes.</summary>
    public Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout) => WaitForAsync(match, timeout, "an expected line");

    private async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cancel.Token))
                if (match(line)) return line;
        }
        catch (OperationCanceledException) { }
        string errors;
        lock (_errors) errors = string.Join('\n', _errors.TakeLast(40));
        throw new InvalidOperationException($"{_name} {_process.Id} did not print {what} within {timeout}; stderr:\n{errors}");
    }

    /// <summary>SIGKILL (on Linux): no clean-up runs in the worker.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>Waits for the worker to end by itself.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout) => await _process.WaitForExitAsync().WaitAsync(timeout);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
