using System.Globalization;

namespace Micro.Bench.PubSub;

/// <summary>
/// CPU time used by a process, this one or the NATS server (from /proc): per message, it shows where a side's cost is
/// (client library or server) and, unlike throughput, it hardly moves with other sessions' load on a shared machine.
/// </summary>
public static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // Linux USER_HZ, what /proc/<pid>/stat counts in

    /// <summary>CPU time of this process.</summary>
    public static TimeSpan Self()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>CPU time (user + system) of process <paramref name="pid"/>, or null when it cannot be read.</summary>
    public static TimeSpan? Of(int? pid)
    {
        if (pid is null) return null;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException) { return null; }
        catch (FormatException) { return null; }
    }

    /// <summary>The nats-server process listening on <paramref name="port"/> (its command line names the port), or null.</summary>
    public static int? NatsServer(int port)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            string[] args;
            try { args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0'); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (args.Length == 0 || !args[0].EndsWith("nats-server", StringComparison.Ordinal)) continue;
            var at = Array.IndexOf(args, "-p");
            if (at < 0) at = Array.IndexOf(args, "--port");
            if (at >= 0 && at + 1 < args.Length && args[at + 1] == port.ToString(CultureInfo.InvariantCulture)) return pid;
        }
        return null;
    }
}

/// <summary>CPU used by this process and the NATS server from its creation on, per message.</summary>
public sealed class CpuMeter
{
    private readonly int? _server;
    private readonly TimeSpan _self = ProcessCpu.Self();
    private readonly TimeSpan? _serverStart;

    /// <param name="natsAddress">host:port of the NATS server whose CPU is counted too.</param>
    public CpuMeter(string natsAddress)
    {
        _server = ProcessCpu.NatsServer(int.Parse(natsAddress[(natsAddress.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
        _serverStart = ProcessCpu.Of(_server);
    }

    /// <summary><paramref name="result"/> with the CPU per message since this meter started.</summary>
    public Result Stop(Result result) => result with
    {
        ClientCpuUs = (ProcessCpu.Self() - _self).TotalMicroseconds / result.Count,
        ServerCpuUs = ProcessCpu.Of(_server) is { } now && _serverStart is { } start ? (now - start).TotalMicroseconds / result.Count : null,
    };
}
