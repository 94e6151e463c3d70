using System.Diagnostics;
using Micro.Tests.Shared;
using Micro.Registry;
using Micro.Registry.Mdns;

namespace Micro.Tests.Registry.Mdns;

/// <summary>
/// Interop with an independent mDNS peer: avahi-daemon in one namespace, Micro in the other. avahi must
/// see (and resolve) the Micro node; Micro must ignore avahi's own _http._tcp service.
/// </summary>
public sealed class AvahiInteropTests : IDisposable
{
    private readonly NetworkNamespace _a;
    private readonly NetworkNamespace _b;
    private readonly string _dir = Directory.CreateTempSubdirectory("micro-avahi-").FullName;
    private readonly List<Process> _processes = [];
    private readonly string _bus;

    public AvahiInteropTests()
    {
        (_a, _b) = NetworkNamespace.CreatePair();
        _bus = $"unix:path={_dir}/bus.sock";
        // A private bus and a private /run/avahi-daemon, so this avahi shares nothing with the host.
        Spawn("dbus-daemon", $"--session --address={_bus} --nofork --nopidfile");
        File.WriteAllText($"{_dir}/avahi.conf", "[server]\nhost-name=peer-b\nuse-ipv6=no\nallow-interfaces=vb\nenable-dbus=yes\n[wide-area]\nenable-wide-area=no\n[publish]\npublish-workstation=no\n");
        Directory.CreateDirectory("/run/avahi-daemon");
        WaitFor(() => File.Exists($"{_dir}/bus.sock"), "dbus-daemon socket");
        Spawn("ip", $"netns exec {_b.Name} unshare -m --propagation private sh -c \"mount -t tmpfs tmpfs /run/avahi-daemon && exec avahi-daemon -f {_dir}/avahi.conf --no-drop-root --no-chroot --no-rlimits\"");
    }

    [Fact]
    public async Task Avahi_browses_a_micro_node_and_micro_ignores_avahis_other_services()
    {
        await using var micro = _a.Run(() => new MdnsRegistry());
        var address = _a.AddressOf("va");
        var service = new ServiceInfo
        {
            Name = "greeter",
            Endpoints = [new EndpointInfo { Name = "Greeter.Hello" }],
            Nodes = [new NodeInfo { Id = "greeter-avahi1", Address = $"{address}:8080" }],
        };
        await micro.RegisterAsync(service);

        // avahi resolves the instance: SRV (host, port), TXT (service=greeter ...), A.
        string browse = "";
        for (var attempt = 0; attempt < 40 && !browse.Contains("greeter-avahi1", StringComparison.Ordinal) | !browse.Contains("=;", StringComparison.Ordinal); attempt++)
        {
            browse = AvahiBrowse();
            if (!browse.Contains("=;", StringComparison.Ordinal)) await Task.Delay(250); // avahi starts and resolves asynchronously
        }
        var resolved = browse.Split('\n').FirstOrDefault(l => l.StartsWith("=;", StringComparison.Ordinal) && l.Contains("greeter-avahi1", StringComparison.Ordinal));
        Assert.True(resolved is not null, "avahi-browse did not resolve the Micro node:\n" + browse);
        Assert.Contains(address, resolved);
        Assert.Contains(";8080;", resolved);
        Assert.Contains("\"service=greeter\"", resolved);

        // avahi publishes an unrelated service on the same link: Micro sees only Micro nodes.
        var publisher = Spawn("ip", $"netns exec {_b.Name} avahi-publish-service web-server _http._tcp 8081 k=v", bus: true);
        await using var observer = _a.Run(() => new MdnsRegistry());
        for (var attempt = 0; attempt < 40 && !AvahiBrowse("_http._tcp").Contains("web-server", StringComparison.Ordinal); attempt++) await Task.Delay(250);
        var services = await observer.ListServicesAsync();
        Assert.Equal(["greeter"], services.Select(s => s.Name));
        Assert.Equal($"{address}:8080", (await observer.GetServiceAsync("greeter")).Single().Nodes.Single().Address);
        Assert.Empty(await observer.GetServiceAsync("web-server"));
        Assert.False(publisher.HasExited);
    }

    private string AvahiBrowse(string type = "_micro._tcp")
    {
        var info = new ProcessStartInfo("ip", $"netns exec {_b.Name} avahi-browse -rpt {type}") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["DBUS_SYSTEM_BUS_ADDRESS"] = _bus;
        using var browse = Process.Start(info)!;
        var output = browse.StandardOutput.ReadToEnd() + browse.StandardError.ReadToEnd();
        browse.WaitForExit(10_000);
        return output;
    }

    private Process Spawn(string file, string arguments, bool bus = true)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (bus) info.Environment["DBUS_SYSTEM_BUS_ADDRESS"] = _bus;
        var process = Process.Start(info)!.DiscardOutput();
        _processes.Add(process);
        return process;
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        for (var i = 0; i < 100 && !condition(); i++) Thread.Sleep(50); // a file another process creates: nothing to await
        Assert.True(condition(), $"{what} did not appear");
    }

    public void Dispose()
    {
        Conformance.ChildProcess.KillAll(Enumerable.Reverse(_processes));
        _a.Dispose();
        _b.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
