using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Micro.Client;
using Micro.Errors;
using Micro.Identity;
using Micro.Registry;
using Micro.Tests.Rpc;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Identity;

/// <summary>Real services on real sockets with real TLS: who may talk to whom.</summary>
public sealed class MtlsTests
{
    private static void Greeter(MicroServiceBuilder b, ConcurrentQueue<string>? callers = null) =>
        b.Handle<Echo, EchoReply>("Greeter.Hello", (req, ctx) =>
        {
            callers?.Enqueue(ctx.PeerIdentity?.Service ?? "<none>");
            return new EchoReply("hello " + req.Text, ctx.PeerIdentity?.Service ?? "<none>");
        });

    [Fact]
    public async Task Two_services_talk_over_mtls_and_the_handler_sees_the_calling_service()
    {
        await using var cluster = new IdentityCluster();
        var callers = new ConcurrentQueue<string>();
        var greeter = await cluster.StartNodeAsync("greeter", b => Greeter(b, callers));
        var orders = await cluster.StartNodeAsync("orders", b => b.Handle<Echo, EchoReply>("Orders.Place", async (req, ctx) =>
        {
            var reply = await ctx.Services.GetRequiredService<IMicroClient>().CallAsync<Echo, EchoReply>("greeter", "Greeter.Hello", req, cancellationToken: ctx.CancellationToken);
            return reply with { Text = reply.Text + " via " + ctx.PeerIdentity?.Service };
        }));
        Assert.Equal("h2+mtls", greeter.Node.Metadata["protocol"]);
        Assert.Equal(greeter.Address, greeter.Node.Metadata["tls"]);

        var client = cluster.CreateClient(await cluster.IdentityAsync("tester"));
        var reply = await client.CallAsync<Echo, EchoReply>("orders", "Orders.Place", new Echo("ada"));

        Assert.Equal("hello ada via tester", reply.Text); // orders saw the tester, greeter saw orders
        Assert.Equal("orders", reply.Node);
        Assert.Equal(["orders"], callers);
        Assert.NotNull(orders);
    }

    [Fact]
    public async Task A_strict_server_refuses_a_cleartext_client_and_a_permissive_one_serves_both()
    {
        await using var cluster = new IdentityCluster();
        var strict = await cluster.StartNodeAsync("strict", b => b.Handle<Echo, EchoReply>("Strict.Get", (r, ctx) => new EchoReply(r.Text, ctx.PeerIdentity?.Service ?? "<none>")));
        var permissive = await cluster.StartNodeAsync("mixed", b => b.Handle<Echo, EchoReply>("Mixed.Get", (r, ctx) => new EchoReply(r.Text, ctx.PeerIdentity?.Service ?? "<none>")), TlsMode.Permissive);
        var cleartext = cluster.CreateClient(null, TlsMode.Off, options: new ClientOptions { Retries = 0 });
        var migrating = cluster.CreateClient(await cluster.IdentityAsync("tester"), TlsMode.Permissive);

        var refused = await Assert.ThrowsAsync<MicroException>(() => cleartext.CallAsync<Echo, EchoReply>("strict", "Strict.Get", new Echo("x")));
        Assert.True(refused.Code is 500 or 503, $"{refused.Code} {refused.Detail}"); // a transport failure: no HTTP/2 over a TLS port
        Assert.Equal("<none>", (await cleartext.CallAsync<Echo, EchoReply>("mixed", "Mixed.Get", new Echo("x"))).Node);
        Assert.Equal("tester", (await migrating.CallAsync<Echo, EchoReply>("mixed", "Mixed.Get", new Echo("x"))).Node);
        Assert.Equal("tester", (await migrating.CallAsync<Echo, EchoReply>("strict", "Strict.Get", new Echo("x"))).Node);
        Assert.NotEqual(permissive.Address, permissive.Node.Metadata["tls"]); // two ports: h2c at the address, mTLS advertised
        Assert.Equal("h2c", permissive.Node.Metadata["protocol"]);
        Assert.NotNull(strict);
    }

    public static TheoryData<string> BadClientCertificates() =>
        ["none", "foreign-ca", "expired", "not-yet-valid", "two-uri-sans", "no-uri-san", "ca-as-leaf", "other-trust-domain", "not-spiffe", "denied"];

    [Theory]
    [MemberData(nameof(BadClientCertificates))]
    public async Task A_client_with_a_bad_certificate_is_refused_by_the_server(string kind)
    {
        await using var cluster = new IdentityCluster();
        var callers = new ConcurrentQueue<string>();
        var greeter = await cluster.StartNodeAsync("greeter", b => Greeter(b, callers));
        using var foreign = CertificateAuthority.Create(IdentityCluster.Domain);
        var now = DateTimeOffset.UtcNow;
        var good = (await cluster.IdentityAsync("tester")).Current.Certificate;
        if (kind == "denied")
        {
            var denied = await cluster.IdentityAsync("mallory");
            await new IdentityDenyList(cluster.Store, TimeSpan.FromSeconds(1)).DenyAsync(denied.Id, "test");
            await greeter.Services.GetRequiredService<IdentityDenyList>().RefreshAsync();
            good = denied.Current.Certificate;
        }
        X509Certificate2? certificate = kind switch
        {
            "none" => null,
            "foreign-ca" => (await cluster.IdentityAsync("tester", foreign)).Current.Certificate,
            "expired" => IdentityCluster.RawLeaf(cluster.Authority, [IdentityCluster.Uri("tester")], now.AddHours(-2), now.AddMinutes(-1)),
            "not-yet-valid" => IdentityCluster.RawLeaf(cluster.Authority, [IdentityCluster.Uri("tester")], now.AddMinutes(10), now.AddHours(1)),
            "two-uri-sans" => IdentityCluster.RawLeaf(cluster.Authority, [IdentityCluster.Uri("tester"), IdentityCluster.Uri("greeter")], now.AddMinutes(-1), now.AddHours(1)),
            "no-uri-san" => IdentityCluster.RawLeaf(cluster.Authority, [], now.AddMinutes(-1), now.AddHours(1)),
            "ca-as-leaf" => cluster.Authority.IssuerCertificate,
            "other-trust-domain" => IdentityCluster.RawLeaf(cluster.Authority, [IdentityCluster.Uri("tester", "evil.example")], now.AddMinutes(-1), now.AddHours(1)),
            "not-spiffe" => IdentityCluster.RawLeaf(cluster.Authority, ["https://tester.example/"], now.AddMinutes(-1), now.AddHours(1)),
            "denied" => good,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        // The same raw client succeeds with a good certificate: the refusal is about the certificate, nothing else.
        if (kind != "denied") Assert.Equal(HttpStatusCode.OK, (await PostAsync(greeter.Address, good)).StatusCode);
        var before = callers.Count;
        try
        {
            // Only a denied identity on a connection opened before the denial gets this far: refused per request.
            Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(greeter.Address, certificate)).StatusCode);
        }
        catch (HttpRequestException)
        {
            // refused in the handshake
        }
        Assert.Equal(before, callers.Count);
    }

    /// <summary>A JSON call over HTTP/2 + TLS presenting <paramref name="certificate"/>, accepting any server.</summary>
    private static async Task<HttpResponseMessage> PostAsync(string address, X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate!,
                AllowTlsResume = false,
            },
        };
        using var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var content = new StringContent("""{"Text":"x","Seq":0}""", Encoding.UTF8, "application/json");
        var response = await http.PostAsync($"https://{address}/greeter.Greeter/Hello", content);
        await response.Content.ReadAsStringAsync(); // TLS 1.3 reports a refused client certificate on the first read
        return response;
    }

    [Fact]
    public async Task A_node_presenting_another_services_identity_is_refused_and_quarantined()
    {
        await using var cluster = new IdentityCluster();
        var real = await cluster.StartNodeAsync("greeter", b => Greeter(b));
        var impostorCalls = new ConcurrentQueue<string>();
        var impostor = await cluster.StartNodeAsync("greeter", b => Greeter(b, impostorCalls), presentAs: "billing");
        var client = cluster.CreateClient(await cluster.IdentityAsync("tester"), options: new ClientOptions { Retries = 2 });

        for (var i = 0; i < 20; i++)
            Assert.Equal("hello x", (await client.CallAsync<Echo, EchoReply>("greeter", "Greeter.Hello", new Echo("x"))).Text);

        Assert.Empty(impostorCalls);
        Assert.True(client.Health.IsFailed(impostor.Node.Address), "the impostor is quarantined");
        Assert.False(client.Health.IsFailed(real.Node.Address));
        await Assert.ThrowsAsync<MicroException>(() => client.CallAsync<Echo, EchoReply>("greeter", "Greeter.Hello", new Echo("x"),
            new CallOptions { Address = impostor.Address }));
        Assert.Empty(impostorCalls);
    }

    [Fact]
    public async Task Certificates_rotated_during_a_bidi_stream_and_unary_load_fail_no_call()
    {
        await using var cluster = new IdentityCluster();
        var serials = new ConcurrentDictionary<string, byte>();
        var server = await cluster.StartNodeAsync("greeter", b =>
        {
            b.Handle<Echo, EchoReply>("Greeter.Hello", (req, ctx) =>
            {
                serials.TryAdd(ctx.PeerIdentity!.Certificate.SerialNumber, 0);
                return new EchoReply(req.Text, "", req.Seq);
            });
            b.HandleStream<Echo, EchoReply>("Greeter.Chat", async (requests, responses, ctx) =>
            {
                await foreach (var req in requests) await responses.WriteAsync(new EchoReply(req.Text, "", req.Seq), ctx.CancellationToken);
            });
        });
        var identity = await cluster.IdentityAsync("tester");
        var serverIdentity = server.Services.GetRequiredService<WorkloadIdentity>();
        // Connections live 300 ms: calls keep opening new handshakes with whatever certificates are current.
        var client = cluster.CreateClient(identity, connectionLifetime: TimeSpan.FromMilliseconds(300), options: new ClientOptions { Retries = 0 });

        await using var stream = await client.StreamAsync<Echo, EchoReply>("greeter", "Greeter.Chat");
        var echoes = stream.ReadAllAsync().GetAsyncEnumerator();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var failures = 0;
        var calls = 0;
        var load = Enumerable.Range(0, 8).Select(async worker =>
        {
            for (var seq = 0; !stop.IsCancellationRequested && seq < 100_000; seq++)
            {
                try { await client.CallAsync<Echo, EchoReply>("greeter", "Greeter.Hello", new Echo("u", seq)); Interlocked.Increment(ref calls); }
                catch (MicroException) { Interlocked.Increment(ref failures); }
            }
        }).ToList();
        var certificates = new HashSet<string>();
        for (var round = 0; round < 10; round++)
        {
            certificates.Add((await identity.RenewAsync()).Certificate.SerialNumber);
            await serverIdentity.RenewAsync();
            await stream.SendAsync(new Echo("s", round));
            Assert.True(await echoes.MoveNextAsync());
            Assert.Equal(round, echoes.Current.Seq);
            await Task.Delay(300);
        }
        await stop.CancelAsync();
        await Task.WhenAll(load);
        await stream.CompleteAsync();
        Assert.False(await echoes.MoveNextAsync());
        await echoes.DisposeAsync();

        Assert.Equal(0, failures);
        Assert.True(calls > 100, $"only {calls} calls");
        Assert.True(serials.Keys.Count(certificates.Contains) >= 3, $"the server saw {serials.Count} client certificates, {serials.Keys.Count(certificates.Contains)} of them rotated in");
    }

    [Fact]
    public async Task A_denied_identity_is_refused_within_the_deny_list_refresh_even_on_open_connections()
    {
        var refresh = TimeSpan.FromMilliseconds(500);
        await using var cluster = new IdentityCluster(denyListRefresh: refresh);
        await cluster.StartNodeAsync("greeter", b => Greeter(b));
        var mallory = await cluster.IdentityAsync("mallory");
        var client = cluster.CreateClient(mallory, options: new ClientOptions { Retries = 0 });
        await client.CallAsync<Echo, EchoReply>("greeter", "Greeter.Hello", new Echo("x")); // connection open

        // Denied by someone else (an operator): only the store changes; the server learns it by polling.
        await cluster.Store.WriteAsync(new Micro.Store.StoreRecord { Key = mallory.Id.ToString(), Value = "stolen key"u8.ToArray() },
            new Micro.Store.WriteOptions { Database = IdentityDenyList.Scope.Database, Table = IdentityDenyList.Scope.Table });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        MicroException? refused = null;
        while (refused is null && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try { await client.CallAsync<Echo, EchoReply>("greeter", "Greeter.Hello", new Echo("x")); await Task.Delay(20); }
            catch (MicroException e) { refused = e; }
        }
        var took = clock.Elapsed;

        Assert.NotNull(refused);
        Assert.Equal(403, refused.Code);
        // The certificate is good for an hour and the connection stays open, so only the deny list's polling can refuse
        // the call within seconds. The bound is generous (ten refresh periods): CI's loaded machine once took 2.3 s.
        Assert.True(took < refresh * 10, $"refused after {took}, bound ten refreshes of {refresh}");
        await Assert.ThrowsAsync<IdentityException>(() => mallory.RenewAsync()); // and the CA renews nothing for it
    }
}
