using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Micro.Client;
using Micro.Identity;
using Micro.Registry;
using Micro.Server;
using Micro.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.Identity;

/// <summary>
/// Real services on loopback speaking real mTLS: one CA shared by every node (in memory), one store holding the deny-list,
/// one in-memory registry. Each node and client has its own key and certificate.
/// </summary>
internal sealed class IdentityCluster : IAsyncDisposable
{
    public const string Domain = "test.micro";
    private readonly List<MicroApp> _nodes = [];
    private readonly List<IAsyncDisposable> _owned = [];

    public IdentityCluster(TimeSpan? lifetime = null, TimeSpan? denyListRefresh = null)
    {
        Lifetime = lifetime ?? TimeSpan.FromHours(1);
        DenyListRefresh = denyListRefresh ?? TimeSpan.FromSeconds(5);
        Authority = CertificateAuthority.Create(Domain, new IdentityDenyList(Store, DenyListRefresh));
    }

    public IRegistry Registry { get; } = new MemoryRegistry();
    public IStore Store { get; } = new MemoryStore(new StoreOptions());
    public CertificateAuthority Authority { get; }
    public TimeSpan Lifetime { get; }
    public TimeSpan DenyListRefresh { get; }

    public LocalCertificateIssuer Issuer => new(Authority, Lifetime);

    /// <summary>A node of <paramref name="service"/>; <paramref name="presentAs"/> gives it another service's certificate (an impostor).</summary>
    public async Task<MicroApp> StartNodeAsync(string service, Action<MicroServiceBuilder> configure, TlsMode mode = TlsMode.Strict,
        string? presentAs = null, CertificateAuthority? authority = null)
    {
        var builder = MicroService.CreateBuilder([], service);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(Registry);
        builder.Services.AddMicroJsonReflection();
        builder.Services.AddMicroTls(o => o.Mode = mode);
        builder.Services.AddMicroIdentity(o => o.TrustDomain = Domain);
        builder.Services.AddSingleton<ICertificateIssuer>(new LocalCertificateIssuer(authority ?? Authority, Lifetime));
        builder.Services.AddSingleton(_ => new IdentityDenyList(Store, DenyListRefresh));
        if (presentAs is not null)
            builder.Services.AddSingleton(sp => new WorkloadIdentity(presentAs, Domain, sp.GetRequiredService<ICertificateIssuer>(), sp.GetRequiredService<IdentityDenyList>()));
        builder.Server = new ServerOptions { GracePeriod = TimeSpan.FromSeconds(5) };
        configure(builder);
        var app = builder.Build();
        await app.StartAsync();
        _nodes.Add(app);
        return app;
    }

    /// <summary>A started identity for <paramref name="name"/>, its deny-list refreshed every <see cref="DenyListRefresh"/>.</summary>
    public async Task<WorkloadIdentity> IdentityAsync(string name, CertificateAuthority? authority = null)
    {
        var denyList = new IdentityDenyList(Store, DenyListRefresh);
        var identity = new WorkloadIdentity(name, Domain, new LocalCertificateIssuer(authority ?? Authority, Lifetime), denyList);
        await identity.StartAsync();
        _owned.Add(identity);
        _owned.Add(denyList);
        return identity;
    }

    /// <summary>A client calling as <paramref name="identity"/> over mTLS.</summary>
    public MicroClient CreateClient(WorkloadIdentity? identity, TlsMode mode = TlsMode.Strict, TimeSpan? connectionLifetime = null, ClientOptions? options = null)
    {
        var security = mode == TlsMode.Off ? TransportSecurity.Off : new TransportSecurity(mode, identity, connectionLifetime ?? TimeSpan.FromMinutes(10));
        var client = new MicroClient(Registry, null, new Micro.Codec.CodecRegistry([new Micro.Codec.ProtobufCodec(), Micro.Codec.JsonCodec.WithReflection()]),
            options, security: security);
        _owned.Add(client);
        return client;
    }

    /// <summary>A leaf signed by <paramref name="authority"/> with whatever the test needs (the CA itself would never make most of them).</summary>
    public static X509Certificate2 RawLeaf(CertificateAuthority authority, string[] uris, DateTimeOffset notBefore, DateTimeOffset notAfter, bool isCa = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var uri in uris) san.AddUri(new Uri(uri));
        if (uris.Length > 0) request.CertificateExtensions.Add(san.Build(critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var leaf = authority.SignRaw(request, notBefore, notAfter);
        return leaf.CopyWithPrivateKey(key);
    }

    public static string Uri(string service, string domain = Domain) => new SpiffeId(domain, service).ToString();

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned) await owned.DisposeAsync();
        foreach (var node in _nodes)
        {
            try { await node.StopAsync(); } catch (ObjectDisposedException) { }
            await node.DisposeAsync();
        }
        Authority.Dispose();
    }
}
