using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Micro.Registry;

namespace Micro.Tests.Rpc;

/// <summary>
/// A Micro node in a process of its own (tests/Micro.Tests.RpcNode), to be killed (SIGKILL) or frozen (SIGSTOP) mid-call.
/// It prints a line for every execution of Node.Charge, so the test counts executions across processes.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<int> _executed = new();
    private TaskCompletionSource _executedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(string name, bool hang)
    {
        Name = name;
        var port = GeneratedClientTests.FreePort();
        _process = Micro.Tests.Store.ChildProcess.Start("tests", "Micro.Tests.RpcNode",
            $"--address 127.0.0.1:{port} --name {name}" + (hang ? " --hang" : ""));
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"node {name} exited before listening"));
        _process.EnableRaisingEvents = true;
    }

    public string Name { get; }
    public string Address { get; private set; } = "";
    public int Pid => _process.Id;

    /// <summary>How many times Node.Charge started on this node.</summary>
    public int Executions => _executed.Count;

    public static async Task<NodeProcess> StartAsync(string name, bool hang = false)
    {
        var node = new NodeProcess(name, hang);
        node.Address = await node._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return node;
    }

    /// <summary>Completes once Node.Charge has started on this node at least <paramref name="count"/> times.</summary>
    public async Task WaitForExecutionsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (_executed.Count < count)
        {
            var signal = Volatile.Read(ref _executedSignal);
            if (_executed.Count >= count) break;
            await signal.Task.WaitAsync(cts.Token);
        }
    }

    public NodeInfo Node => new() { Id = Name, Address = Address };

    public void Kill() => _process.Kill();

    public void Signal(PosixSignal signal) => Signals.Send(_process.Id, signal);

    private void OnLine(string? line)
    {
        if (line is null) return;
        if (line.StartsWith("listening ", StringComparison.Ordinal)) _listening.TrySetResult(line["listening ".Length..]);
        else if (line.StartsWith("executed ", StringComparison.Ordinal))
        {
            _executed.Enqueue(int.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            Interlocked.Exchange(ref _executedSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Signal(PosixSignal.Cont);
                _process.Kill();
            }
        }
        catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}

/// <summary>A registry with a fixed answer: the nodes of processes that each run an in-process registry of their own.</summary>
internal sealed class FixedRegistry(ServiceInfo service) : IRegistry
{
    public string Name => "fixed";
    public Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default) => Task.CompletedTask;
    public Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default) => Task.CompletedTask;
    public Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ServiceInfo>>(name == service.Name ? [service] : []);
    public Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<ServiceInfo>>([service]);
    public async IAsyncEnumerable<RegistryEvent> WatchAsync(string? service = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        yield break;
    }
}

/// <summary>Picks a preferred node while it is a candidate (so a test knows where the first attempt goes), else the first.</summary>
internal sealed class PreferringSelector(Func<NodeInfo, bool> preferred) : Micro.Selector.ISelector
{
    private int _picks;
    public string Name => "preferring";
    public int Picks => _picks;
    public NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes)
    {
        Interlocked.Increment(ref _picks);
        return nodes.FirstOrDefault(preferred) ?? nodes[0];
    }
}

internal sealed record Charge(int Seq);
internal sealed record ChargeReply(string Node, int Seq);
