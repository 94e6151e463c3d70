using System.Diagnostics;
using System.Text.Json;

namespace Micro.Cli.Tests.Infrastructure;

/// <summary>
/// A private network namespace (only its loopback) where services, the tool and the browser run with the default mDNS
/// registry, so discovery is real and no multicast leaves the machine. Needs root. Everything started here is stopped,
/// and the namespace deleted, on dispose.
/// </summary>
public sealed class TestNetwork : IAsyncLifetime
{
    private readonly List<ChildProcess> _children = [];

    /// <summary>The namespace name (random suffix: tests of other sessions run beside ours).</summary>
    public string Name { get; } = "micro-cli-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>No registry setting: inside the namespace every process uses mDNS, the default.</summary>
    // Services here publish no request schemas in the registry, so the dashboard shows its free-form JSON editor
    // (what the browser test drives, malformed JSON included); schema-built forms are covered by the reflection tests.
    public static readonly IReadOnlyDictionary<string, string?> Environment = new Dictionary<string, string?>
    {
        ["MICRO_REGISTRY"] = null,
        ["MICRO_REFLECTION_REGISTRY_SCHEMAS"] = "false",
    };

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        await RunAsync("ip", "netns", "add", Name);
        await RunAsync("ip", "-n", Name, "link", "set", "lo", "up");
    }

    /// <summary>Runs a program inside the namespace and keeps it until dispose (or until the test stops it).</summary>
    public ChildProcess Start(string program, params string[] args) => StartWith(null, program, args);

    /// <summary>Like <see cref="Start"/>, with extra environment variables.</summary>
    public ChildProcess StartWith(IReadOnlyDictionary<string, string?>? environment, string program, params string[] args)
    {
        var child = ChildProcess.Start("ip", ["netns", "exec", Name, program, .. args], With(environment));
        lock (_children) _children.Add(child);
        return child;
    }

    /// <summary>Starts a .NET program (a built dll) inside the namespace.</summary>
    public ChildProcess StartDotnet(string dll, params string[] args) => Start("dotnet", [dll, .. args]);

    /// <summary>Runs <c>micro ARGS</c> inside the namespace to completion.</summary>
    public Task<CliResult> MicroAsync(params string[] args) => MicroWithInputAsync(null, args);

    /// <summary>Runs <c>micro ARGS</c> inside the namespace with <paramref name="stdin"/> as its input.</summary>
    public Task<CliResult> MicroWithInputAsync(string? stdin, params string[] args) => MicroWithAsync(null, stdin, args);

    /// <summary>Runs <c>micro ARGS</c> inside the namespace with extra environment variables and <paramref name="stdin"/>.</summary>
    public async Task<CliResult> MicroWithAsync(IReadOnlyDictionary<string, string?>? environment, string? stdin, params string[] args)
    {
        await using var child = ChildProcess.Start("ip", ["netns", "exec", Name, "dotnet", Paths.Cli, .. args], With(environment));
        if (stdin is not null) await child.Input.WriteAsync(stdin);
        child.Input.Close();
        var code = await child.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return new CliResult(code, child.Stdout, child.Stderr);
    }

    /// <summary>Waits until the registry shows <paramref name="nodes"/> nodes of <paramref name="service"/> (asked with micro describe).</summary>
    public async Task WaitForNodesAsync(string service, int nodes, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(40);
        CliResult? last = null;
        while (deadline.Elapsed < limit)
        {
            last = await MicroAsync("describe", service, "-o", "json");
            if (last.ExitCode == 0)
            {
                using var doc = JsonDocument.Parse(last.Stdout);
                if (doc.RootElement.EnumerateArray().Sum(v => v.GetProperty("nodes").GetArrayLength()) == nodes) return;
            }
            await Task.Delay(300);
        }
        throw new TimeoutException($"{service} never had {nodes} node(s); last describe: {last}");
    }

    private static Dictionary<string, string?> With(IReadOnlyDictionary<string, string?>? environment)
    {
        var all = new Dictionary<string, string?>(Environment);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) all[key] = value;
        return all;
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        List<ChildProcess> children;
        lock (_children) children = [.. _children];
        foreach (var child in children) await child.DisposeAsync();
        await RunAsync("ip", "netns", "del", Name);
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        await using var child = ChildProcess.Start(file, args);
        child.Input.Close();
        var code = await child.WaitForExitAsync(TimeSpan.FromSeconds(30));
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {child.Stderr}");
    }
}

/// <summary>How a <c>micro</c> run ended.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The stderr lines (an error must be exactly one).</summary>
    public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <inheritdoc/>
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
