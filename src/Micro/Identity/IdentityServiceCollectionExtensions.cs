using System.Security.Cryptography.X509Certificates;
using Micro.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Identity;

/// <summary>Turns on mTLS and configures where identities come from.</summary>
public static class IdentityServiceCollectionExtensions
{
    /// <summary>Transport security settings (<c>MICRO_TLS=off|permissive|strict</c>), code over configuration.</summary>
    public static IServiceCollection AddMicroTls(this IServiceCollection services, Action<TlsOptions>? configure = null)
    {
        services.AddMicroOptions("Tls", configure);
        return services;
    }

    /// <summary>Identity settings (trust domain, lifetime, CA folder or brought CA, trust bundle), code over configuration.</summary>
    public static IServiceCollection AddMicroIdentity(this IServiceCollection services, Action<IdentityOptions>? configure = null)
    {
        services.AddMicroOptions("Identity", configure);
        return services;
    }

    /// <summary>
    /// The identity pieces, all TryAdd (register your own <see cref="ICertificateIssuer"/> for a remote CA): the CA from
    /// <c>Micro:Identity</c>, the deny-list in the store, this process's <see cref="WorkloadIdentity"/> (named after the
    /// service, or <see cref="IdentityOptions.Name"/>), the client's <see cref="TransportSecurity"/>.
    /// </summary>
    internal static IServiceCollection AddMicroIdentityCore(this IServiceCollection services)
    {
        services.AddMicroTls();
        services.AddMicroIdentity();
        services.TryAddSingleton(sp => new IdentityDenyList(sp.GetRequiredService<IStore>(), Options(sp).DenyListRefresh,
            sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>()?.CreateLogger("Micro.Identity")));
        services.TryAddSingleton<ICertificateIssuer>(sp => DefaultIssuer(Options(sp), sp.GetRequiredService<IdentityDenyList>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton(sp =>
        {
            var options = Options(sp);
            var name = sp.GetService<Hosting.Internal.NodeIdentity>()?.Service ?? options.Name;
            return new WorkloadIdentity(name, options.TrustDomain, sp.GetRequiredService<ICertificateIssuer>(), sp.GetRequiredService<IdentityDenyList>(),
                options.TrustBundle, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>()?.CreateLogger("Micro.Identity"));
        });
        services.TryAddSingleton(sp =>
        {
            var tls = sp.GetRequiredService<IOptions<TlsOptions>>().Value;
            return tls.Mode == TlsMode.Off ? TransportSecurity.Off
                : new TransportSecurity(tls.Mode, sp.GetRequiredService<WorkloadIdentity>(), tls.ConnectionLifetime, sp.GetService<ILoggerFactory>()?.CreateLogger("Micro.Identity"));
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WorkloadIdentityService>());
        return services;
    }

    /// <summary>For processes without a host (<c>MicroService.CreateClient</c>): the first certificate, now.</summary>
    internal static void StartWithoutHost(IServiceProvider services)
    {
        if (services.GetRequiredService<TransportSecurity>().Identity is { } identity)
            identity.StartAsync().GetAwaiter().GetResult();
    }

    private static IdentityOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<IdentityOptions>>().Value;

    private static ICertificateIssuer DefaultIssuer(IdentityOptions options, IdentityDenyList denyList, TimeProvider? time)
    {
        if (options.CaAddress is not null)
        {
            var roots = new X509Certificate2Collection();
            foreach (var file in options.TrustBundle) roots.ImportFromPemFile(file);
            return new RemoteCertificateIssuer(options.CaAddress, options.CaService, options.TrustDomain, new TrustBundle(roots), options.JoinToken, time);
        }
        var authority = options.CaCertificate is not null
            ? CertificateAuthority.FromPemFiles(options.CaCertificate, options.CaKey!, options.TrustBundle, options.TrustDomain, denyList, time)
            : CertificateAuthority.LoadOrCreate(options.ResolvedCaPath, options.TrustDomain, denyList, time);
        return new LocalCertificateIssuer(authority, options.CertificateLifetime);
    }
}
