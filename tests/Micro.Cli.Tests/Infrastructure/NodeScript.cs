using System.Text.Json;

namespace Micro.Cli.Tests.Infrastructure;

/// <summary>A node.js script of js/ (an independent client) that reports its steps as JSON lines on stdout.</summary>
public sealed class NodeScript(ChildProcess process) : IAsyncDisposable
{
    /// <summary>Runs <c>node js/SCRIPT ARGS</c> inside <paramref name="network"/>.</summary>
    public static NodeScript Start(TestNetwork network, string script, params string[] args)
    {
        if (!Directory.Exists(Path.Combine(Paths.Scripts, "node_modules")))
            throw new InvalidOperationException($"{Paths.Scripts}/node_modules is missing: run scripts/install.sh (npm ci)");
        return new NodeScript(network.Start("node", [Path.Combine(Paths.Scripts, script), .. args]));
    }

    /// <summary>The script's process.</summary>
    public ChildProcess Process => process;

    /// <summary>Waits for the step named <paramref name="step"/> and returns its JSON.</summary>
    public async Task<JsonElement> StepAsync(string step, TimeSpan? timeout = null)
    {
        var line = await process.WaitForLineAsync(l => l.StartsWith("{\"step\":\"" + step + "\"", StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(60));
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    /// <summary>Tells the script to go on (it waits for a line on stdin).</summary>
    public Task ContinueAsync() => SendAsync("go");

    /// <summary>Sends the script one line on stdin (it waits for it).</summary>
    public async Task SendAsync(string line)
    {
        await process.Input.WriteLineAsync(line);
        await process.Input.FlushAsync();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => process.DisposeAsync();
}
