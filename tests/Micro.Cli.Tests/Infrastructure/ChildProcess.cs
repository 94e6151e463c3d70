using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Micro.Cli.Tests.Infrastructure;

/// <summary>A process the test started: stdout as lines to await, stderr kept for failure messages; stopped on dispose.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Channel<string> _errorLines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _disposed;

    private ChildProcess(Process process) => _process = process;

    /// <summary>Starts <paramref name="file"/> with <paramref name="args"/>; environment changes apply on top of ours (null value = remove).</summary>
    public static ChildProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Paths.RepoRoot,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) { child._lines.Writer.TryComplete(); child._stdoutClosed.TrySetResult(); return; }
            lock (child._stdout) child._stdout.AppendLine(e.Data);
            child._lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) { child._errorLines.Writer.TryComplete(); child._stderrClosed.TrySetResult(); return; }
            lock (child._stderr) child._stderr.AppendLine(e.Data);
            child._errorLines.Writer.TryWrite(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Its standard input.</summary>
    public StreamWriter Input => _process.StandardInput;

    /// <summary>Everything it wrote to stdout so far.</summary>
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    /// <summary>Everything it wrote to stderr so far.</summary>
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>The next stdout line that satisfies <paramref name="match"/>; fails after <paramref name="timeout"/> or when stdout closes.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout) => WaitForAsync(_lines.Reader, match, timeout);

    /// <summary>The next stderr line that satisfies <paramref name="match"/> (a tail says there when it is subscribed).</summary>
    public Task<string> WaitForErrorLineAsync(Func<string, bool> match, TimeSpan timeout) => WaitForAsync(_errorLines.Reader, match, timeout);

    private async Task<string> WaitForAsync(ChannelReader<string> lines, Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in lines.ReadAllAsync(cts.Token))
                if (match(line)) return line;
        }
        catch (OperationCanceledException) { }
        throw new TimeoutException($"no matching line within {timeout}; stdout:\n{Stdout}\nstderr:\n{Stderr}");
    }

    /// <summary>Waits for the process to exit and for its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"still running after {timeout}; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGTERM (a Micro service deregisters and says goodbye), then waits for the exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
                await kill!.WaitForExitAsync();
        return await WaitForExitAsync(timeout);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (!_process.HasExited)
            {
                try { await TerminateAsync(TimeSpan.FromSeconds(10)); }
                catch (TimeoutException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
