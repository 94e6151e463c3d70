namespace Micro.Registry.Mdns;

/// <summary>
/// A dedicated thread, inside the registry's network namespace, that re-enumerates interfaces every
/// <see cref="RegistryOptions.InterfaceCheckInterval"/> (or at once when asked, after a socket error) and
/// hands a new interface list to the registry when it differs, so the registry re-opens its socket there.
/// </summary>
internal sealed class MdnsInterfaceMonitor : IDisposable
{
    private readonly NetworkNamespaceScope _scope;
    private readonly IReadOnlyList<string>? _names;
    private readonly TimeSpan _interval;
    private readonly Func<IReadOnlyList<MdnsInterface>, bool> _differs;
    private readonly Action<IReadOnlyList<MdnsInterface>> _reopen;
    private readonly Action<Exception> _failed;
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private volatile bool _stopped;
    private volatile bool _reopenRequested;

    public MdnsInterfaceMonitor(NetworkNamespaceScope scope, IReadOnlyList<string>? names, TimeSpan interval,
        Func<IReadOnlyList<MdnsInterface>, bool> differs, Action<IReadOnlyList<MdnsInterface>> reopen, Action<Exception> failed)
    {
        _scope = scope;
        _names = names;
        _interval = interval;
        _differs = differs;
        _reopen = reopen;
        _failed = failed;
        _thread = new Thread(Run) { IsBackground = true, Name = "mDNS interfaces" };
        _thread.Start();
    }

    /// <summary>Re-open the socket soon, even if the interfaces look the same (the socket failed).</summary>
    public void RequestReopen()
    {
        _reopenRequested = true;
        _wake.Set();
    }

    private void Run()
    {
        if (!_scope.Enter())
        {
            _failed(new InvalidOperationException("mDNS: could not enter the registry's network namespace; interface changes will not be followed"));
            return;
        }
        while (!_stopped)
        {
            _wake.WaitOne(_interval);
            if (_stopped) return;
            try
            {
                var picked = NetworkInterfacePicker.Pick(_names);
                if (picked.Count == 0) continue; // nothing usable right now: keep the old socket and look again
                if (_reopenRequested || _differs(picked))
                {
                    _reopenRequested = false;
                    _reopen(picked);
                }
            }
            catch (Exception e)
            {
                _failed(e); // and try again next round: this thread must not die
            }
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _wake.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
        _wake.Dispose();
    }
}
