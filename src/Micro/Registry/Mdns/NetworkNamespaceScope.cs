using System.Runtime.InteropServices;

namespace Micro.Registry.Mdns;

/// <summary>
/// Remembers the Linux network namespace the registry was created in, so sockets re-opened and interfaces
/// re-enumerated later (from a background thread) belong to that namespace and not to whatever namespace the
/// process started in. Elsewhere (or when /proc is not there) it runs work on the calling thread.
/// </summary>
internal sealed partial class NetworkNamespaceScope : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly SafeHandle? _namespace;

    public NetworkNamespaceScope()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { _namespace = File.OpenHandle("/proc/thread-self/ns/net"); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Moves the calling thread (a dedicated one: it never leaves) into the namespace. False when that failed:
    /// then the caller must not open sockets, which would land in the wrong network.
    /// </summary>
    public bool Enter()
    {
        if (_namespace is null) return true;
        return SetNs((int)_namespace.DangerousGetHandle(), CloneNewNet) == 0;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    public void Dispose() => _namespace?.Dispose();
}
