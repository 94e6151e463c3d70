using System.Diagnostics;
using Micro.Registry;
using Micro.Registry.Mdns;

namespace Micro.Tests.Registry.Mdns;

/// <summary>
/// Real processes on two "hosts" (network namespaces joined by a veth pair), discovering each other over
/// mDNS with no configuration, as a user would run them.
/// </summary>
public sealed class MdnsDiscoveryTests : IDisposable
{
    private readonly NetworkNamespace _a;
    private readonly NetworkNamespace _b;
    private readonly List<Process> _processes = [];

    public MdnsDiscoveryTests() => (_a, _b) = NetworkNamespace.CreatePair();

    [Fact]
    public async Task Greeter_and_client_on_two_hosts_find_each_other_with_no_configuration()
    {
        await using var observer = _b.Run(() => new MdnsRegistry());
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = FirstAsync(observer, "greeter", RegistryEventType.Create, cancel.Token);
        Start(_a, "examples", "Greeter", "");
        var greeter = await seen;
        Assert.StartsWith("10.77.", greeter.Nodes.Single().Address); // reachable from the other host, not 127.0.0.1

        var client = Start(_b, "examples", "GreeterClient", "--name Ada");
        var output = await client.StandardOutput.ReadToEndAsync(cancel.Token);
        await client.WaitForExitAsync(cancel.Token);
        Assert.Equal("Hello Ada", output.Trim());
        Assert.Equal(0, client.ExitCode);
    }

    /// <summary>
    /// Behaviour, not speed (bench/discovery times both): a killed node lives out its TTL at its peers, a stopped one
    /// says goodbye. The stopped node's TTL is long, so a drop-out well inside it can only be the goodbye, however
    /// busy the machine. The killed node, with a 3 s TTL, must drop out no sooner than a second after the kill (its last
    /// refresh is at most a second old) and within a few seconds of its TTL.
    /// </summary>
    [Fact]
    public async Task A_killed_node_drops_out_after_its_ttl_and_a_stopped_one_long_before_it_by_goodbye()
    {
        await using var observer = _b.Run(() => new MdnsRegistry());
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var shortTtl = new Dictionary<string, string> { ["MICRO_SERVER_TTL"] = "3s", ["MICRO_SERVER_INTERVAL"] = "1s" };

        var created = FirstAsync(observer, "greeter", RegistryEventType.Create, cancel.Token);
        var killed = Start(_a, "examples", "Greeter", "", shortTtl);
        await created;
        var gone = FirstAsync(observer, "greeter", RegistryEventType.Delete, cancel.Token);
        var clock = Stopwatch.StartNew();
        killed.Kill(); // SIGKILL: no goodbye
        await gone;
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3 + 4));

        var longTtl = new Dictionary<string, string> { ["MICRO_SERVER_TTL"] = "60s", ["MICRO_SERVER_INTERVAL"] = "20s" };
        created = FirstAsync(observer, "greeter", RegistryEventType.Create, cancel.Token);
        var stopped = Start(_a, "examples", "Greeter", "", longTtl);
        await created;
        gone = FirstAsync(observer, "greeter", RegistryEventType.Delete, cancel.Token);
        clock.Restart();
        Signals.Send(stopped.Id, PosixSignal.Term);
        await gone;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"a cleanly stopped node with a 60 s TTL took {clock.Elapsed} to drop out: no goodbye");
        await stopped.WaitForExitAsync(cancel.Token);
        Assert.Equal(0, stopped.ExitCode);
    }

    internal static async Task<ServiceInfo> FirstAsync(IRegistry registry, string service, RegistryEventType type, CancellationToken cancellationToken)
    {
        await foreach (var change in registry.WatchAsync(service, cancellationToken))
            if (change.Type == type) return change.Service;
        throw new OperationCanceledException();
    }

    /// <summary>Runs a built project inside a namespace, with the user's environment minus Micro settings.</summary>
    private Process Start(NetworkNamespace ns, string folder, string name, string arguments, Dictionary<string, string>? env = null)
    {
        var process = Conformance.ChildProcess.StartAsUser(folder, name, arguments, env, ns.Name);
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        Conformance.ChildProcess.KillAll(_processes);
        _a.Dispose();
        _b.Dispose();
    }
}
