namespace Micro.Cli.Tests.Infrastructure;

/// <summary>Runs <c>micro</c> in the host namespace for commands that use no registry (store, config, new): MICRO_REGISTRY=memory.</summary>
public static class HostCli
{
    /// <summary>Runs <c>micro ARGS</c> with extra <paramref name="environment"/> in <paramref name="workingDirectory"/>.</summary>
    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?> environment, string? workingDirectory, string? stdin, params string[] args)
    {
        var env = new Dictionary<string, string?>(environment) { ["MICRO_REGISTRY"] = "memory" };
        await using var child = ChildProcess.Start("dotnet", [Paths.Cli, .. args], env, workingDirectory);
        if (stdin is not null) await child.Input.WriteAsync(stdin);
        child.Input.Close();
        var code = await child.WaitForExitAsync(TimeSpan.FromSeconds(120));
        return new CliResult(code, child.Stdout, child.Stderr);
    }

    /// <summary>Starts <c>micro ARGS</c> and leaves it running (watches).</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string?> environment, string? workingDirectory, params string[] args)
    {
        var env = new Dictionary<string, string?>(environment) { ["MICRO_REGISTRY"] = "memory" };
        return ChildProcess.Start("dotnet", [Paths.Cli, .. args], env, workingDirectory);
    }
}
