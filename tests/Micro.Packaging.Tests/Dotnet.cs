using Micro.Tests.Shared;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Micro.Packaging.Tests;

/// <summary>Runs the dotnet CLI and built programs as child processes, the way a user would from a shell.</summary>
internal static class Dotnet
{
    public static string RepoRoot => RepoPaths.Root;

    /// <summary>Runs a command to completion; returns its exit code and everything it printed.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string file, string arguments, string directory, TimeSpan timeout,
        IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MICRO_REGISTRY"] = "memory"; // never multicast mDNS from the host namespace
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish within {timeout}:\n{output}");
        }
        lock (output) return (process.ExitCode, output.ToString());
    }

    /// <summary>Runs a command that must succeed; its output otherwise explains the failure.</summary>
    public static async Task<string> RunOkAsync(string file, string arguments, string directory, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        var (code, output) = await RunAsync(file, arguments, directory, timeout, environment);
        Assert.True(code == 0, $"{file} {arguments} exited with {code}:\n{output}");
        return output;
    }

    /// <summary>Starts a long-running program (a service); the caller kills it.</summary>
    public static Process Start(string file, string arguments, string directory)
    {
        var info = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["MICRO_REGISTRY"] = "memory";
        return Process.Start(info)!.DiscardOutput();
    }

    public static int FreePort() => Micro.Tests.Shared.TcpPorts.Free();

    public static Task WaitForPortAsync(int port, Process process, TimeSpan timeout) => Micro.Tests.Shared.TcpPorts.WaitForListenerAsync(port, process, timeout);

    /// <summary>POSTs JSON over HTTP/2 cleartext (as curl --http2-prior-knowledge does) and returns the body.</summary>
    public static async Task<string> PostJsonAsync(int port, string path, string json)
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync($"http://127.0.0.1:{port}{path}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return body;
    }

    public static void Kill(Process process)
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
        process.Dispose();
    }
}
