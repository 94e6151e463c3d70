using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Micro.Identity;
using Micro.Registry;
using Micro.Registry.Mdns;
using Micro.Tests.Registry.Mdns;

namespace Micro.Tests.Identity;

/// <summary>
/// The attack mTLS exists for, on two "hosts" (network namespaces joined by a veth pair): impostors announce themselves
/// over mDNS as greeter — one with a certificate from a foreign CA, one with no TLS at all. A strict client keeps
/// reaching the real greeter (real processes, sharing a CA folder) and the impostors receive no call.
/// </summary>
public sealed class MdnsHijackTests : IDisposable
{
    private readonly NetworkNamespace _a;
    private readonly NetworkNamespace _b;
    private readonly List<Process> _processes = [];
    private readonly string _ca = Path.Combine(Path.GetTempPath(), "micro-hijack-ca-" + Guid.NewGuid().ToString("N"));
    private readonly CancellationTokenSource _stop = new();

    public MdnsHijackTests() => (_a, _b) = NetworkNamespace.CreatePair();

    [Fact]
    public async Task Impostors_announcing_greeter_with_a_foreign_or_no_certificate_receive_no_calls()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var strict = new Dictionary<string, string> { ["MICRO_TLS"] = "strict", ["MICRO_IDENTITY_CA_PATH"] = _ca };
        await using var observer = _b.Run(() => new MdnsRegistry());

        var real = MdnsDiscoveryTests.FirstAsync(observer, "greeter", RegistryEventType.Create, cancel.Token);
        Start(_a, "Greeter", "", strict);
        var realNode = (await real).Nodes.Single();
        Assert.Equal("h2+mtls", realNode.Metadata["protocol"]);

        // Impostor 1: TLS with a greeter certificate from a CA of its own (same trust domain name, other keys).
        using var foreignCa = CertificateAuthority.Create("micro.local");
        await using var foreignIdentity = new WorkloadIdentity("greeter", "micro.local", new LocalCertificateIssuer(foreignCa, TimeSpan.FromHours(1)));
        await foreignIdentity.StartAsync();
        var host = _b.AddressOf("vb");
        var tlsImpostor = new Impostor(_b.Run(() => Listen(host)), foreignIdentity.Current);
        // Impostor 2: cleartext, no certificate at all.
        var plainImpostor = new Impostor(_b.Run(() => Listen(host)), null);
        await using var announcer = _b.Run(() => new MdnsRegistry());
        await announcer.RegisterAsync(Announcement("greeter-impostor-tls", tlsImpostor.Address, tls: true), cancellationToken: cancel.Token);
        await announcer.RegisterAsync(Announcement("greeter-impostor-h2c", plainImpostor.Address, tls: false), cancellationToken: cancel.Token);
        await WaitForNodesAsync(observer, 3, cancel.Token);
        _ = tlsImpostor.ServeAsync(_stop.Token);
        _ = plainImpostor.ServeAsync(_stop.Token);

        // Several client processes, each with a fresh view and a fresh random choice among the three nodes. A fresh client
        // may first learn only the impostors (same host: their mDNS answers come first; responders delay shared answers by
        // 20-120 ms): a backoff longer than that lets its retries find the real node once every known one is refused.
        var replies = 0;
        for (var run = 0; run < 3; run++)
        {
            var client = Start(_b, "GreeterClient", "--name Ada --count 20", new(strict) { ["MICRO_CLIENT_RETRIES"] = "6", ["MICRO_CLIENT_BACKOFF"] = "150ms" });
            var output = await client.StandardOutput.ReadToEndAsync(cancel.Token);
            var errors = await client.StandardError.ReadToEndAsync(cancel.Token);
            await client.WaitForExitAsync(cancel.Token);
            Assert.True(client.ExitCode == 0, $"client failed: {errors}");
            replies += output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l == "Hello Ada");
        }

        Assert.Equal(60, replies);
        // .NET's client checks the server's certificate as the TLS handshake ends, then hangs up: the impostor may see a
        // finished handshake, but never a byte of HTTP/2 (no preface, no request).
        Assert.Equal(0, tlsImpostor.Calls);
        Assert.Equal(0, plainImpostor.Calls);
        Assert.True(tlsImpostor.Connections + plainImpostor.Connections > 0, "the clients never tried an impostor: the test proved nothing");
    }

    private static TcpListener Listen(string host)
    {
        var listener = new TcpListener(IPAddress.Parse(host), 0);
        listener.Start();
        return listener;
    }

    private static ServiceInfo Announcement(string id, string address, bool tls) => new()
    {
        Name = "greeter",
        Endpoints = [new EndpointInfo { Name = "Greeter.Hello" }, new EndpointInfo { Name = "Greeter.Chat" }],
        Nodes = [new NodeInfo
        {
            Id = id, Address = address,
            Metadata = tls ? new Dictionary<string, string> { ["tls"] = address, ["protocol"] = "h2+mtls" } : new Dictionary<string, string> { ["protocol"] = "h2c" },
        }],
    };

    private static async Task WaitForNodesAsync(IRegistry registry, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            var services = await registry.GetServiceAsync("greeter", cancellationToken);
            if (services.SelectMany(s => s.Nodes).Select(n => n.Id).Distinct().Count() >= count) return;
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>A listener pretending to be greeter; it counts what reaches it.</summary>
    private sealed class Impostor(TcpListener listener, WorkloadCertificate? certificate)
    {
        private int _connections, _calls;

        public string Address { get; } = ((IPEndPoint)listener.LocalEndpoint).ToString();
        public int Connections => Volatile.Read(ref _connections);
        /// <summary>HTTP/2 connection prefaces received: a call would follow.</summary>
        public int Calls => Volatile.Read(ref _calls);

        public async Task ServeAsync(CancellationToken cancellationToken)
        {
            using (listener)
            {
                try
                {
                    while (true)
                    {
                        var socket = await listener.AcceptSocketAsync(cancellationToken);
                        Interlocked.Increment(ref _connections);
                        _ = HandleAsync(socket, cancellationToken);
                    }
                }
                catch (OperationCanceledException) { }
            }
        }

        private async Task HandleAsync(Socket socket, CancellationToken cancellationToken)
        {
            await using var network = new NetworkStream(socket, ownsSocket: true);
            try
            {
                Stream stream = network;
                if (certificate is not null)
                {
                    var tls = new SslStream(network);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificate.ServerContext,
                        ApplicationProtocols = [SslApplicationProtocol.Http2],
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    }, cancellationToken);
                    stream = tls;
                }
                var preface = new byte[24];
                await stream.ReadExactlyAsync(preface, cancellationToken);
                if (preface.AsSpan().StartsWith("PRI * HTTP/2.0"u8)) Interlocked.Increment(ref _calls);
            }
            catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or SocketException or EndOfStreamException)
            {
                // The client hung up: what a refused impostor sees.
            }
        }
    }

    private Process Start(NetworkNamespace ns, string name, string arguments, Dictionary<string, string> env)
    {
        var process = Conformance.ChildProcess.StartAsUser("examples", name, arguments, env, ns.Name);
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        _stop.Cancel();
        Conformance.ChildProcess.KillAll(_processes);
        _a.Dispose();
        _b.Dispose();
        if (Directory.Exists(_ca)) Directory.Delete(_ca, recursive: true);
        // _stop is not disposed: impostor connections still winding down may hold its token.
    }
}
