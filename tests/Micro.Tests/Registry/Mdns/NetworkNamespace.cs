using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Micro.Tests.Registry.Mdns;

/// <summary>
/// A Linux network namespace made by the test (root only): only its own loopback and veths exist in it,
/// so multicast sent there never reaches the host's real interfaces. <see cref="Run{T}"/> creates objects
/// (sockets) inside it from a dedicated thread that has joined the namespace with setns(2): sockets stay
/// in the namespace they were created in.
/// </summary>
internal sealed partial class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>A namespace with loopback up and multicast routed on it.</summary>
    public static NetworkNamespace Create(string prefix = "micro")
    {
        var ns = new NetworkNamespace($"{prefix}-{Guid.NewGuid().ToString("N")[..8]}");
        Ip($"netns add {ns.Name}");
        ns.Exec("ip link set lo up");
        ns.Exec("ip link set lo multicast on");
        ns.Exec("ip route add 224.0.0.0/4 dev lo");
        return ns;
    }

    /// <summary>Two namespaces joined by a veth pair (10.77.x.1 and 10.77.x.2), multicast routed over it.</summary>
    public static (NetworkNamespace A, NetworkNamespace B) CreatePair()
    {
        var a = Create("micro-a");
        var b = Create("micro-b");
        var net = Random.Shared.Next(1, 250);
        Ip($"link add va netns {a.Name} type veth peer name vb netns {b.Name}");
        foreach (var (ns, dev, host) in new[] { (a, "va", 1), (b, "vb", 2) })
        {
            ns.Exec($"ip addr add 10.77.{net}.{host}/24 dev {dev}");
            ns.Exec($"ip link set {dev} up");
            ns.Exec("ip route del 224.0.0.0/4 dev lo");
            ns.Exec($"ip route add 224.0.0.0/4 dev {dev}");
        }
        return (a, b);
    }

    public string AddressOf(string device) => Exec($"ip -4 -o addr show dev {device}").Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0];

    /// <summary>Runs a command inside the namespace and returns its output.</summary>
    public string Exec(string command) => Run("ip", $"netns exec {Name} {command}");

    public T Run<T>(Func<T> create)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{Name}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new InvalidOperationException($"setns({Name}) failed: errno {Marshal.GetLastPInvokeError()}");
                result = create();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"in namespace {Name}: {failure.Message}", failure);
        return result;
    }

    private static void Ip(string arguments) => Run("ip", arguments);

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments}: {error.Trim()}");
        return output;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    public void Dispose()
    {
        try { Ip($"netns del {Name}"); } catch (InvalidOperationException) { }
    }
}
