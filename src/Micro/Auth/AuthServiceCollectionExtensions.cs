using Micro.Auth.Jwt;
using Micro.Store;
using Micro.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Auth;

/// <summary>Wires auth (JWT accounts, rules, credentials, middleware) into a service.</summary>
public static class AuthServiceCollectionExtensions
{
    /// <summary>
    /// Auth for a process named <paramref name="name"/>: <see cref="AuthOptions"/> from MICRO_AUTH* /
    /// Micro:Auth:*, the store-backed <see cref="JwtAuth"/> as <see cref="IAuth"/> (over the app's
    /// <see cref="IStore"/>), the process's <see cref="ServiceCredentials"/>, the server middleware and
    /// the subscriber check. TryAdd throughout: the app's own registrations win. Nothing is enforced
    /// unless <see cref="AuthOptions.Enabled"/>.
    /// </summary>
    public static IServiceCollection AddMicroAuth(this IServiceCollection services, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(AuthServerMiddleware))) return services;
        services.AddMicroOptions<AuthOptions>("Auth");
        services.TryAddSingleton<IAuth>(sp => new JwtAuth(sp.GetRequiredService<IStore>(), Checked(sp), sp.GetService<TimeProvider>(), sp.GetService<ILogger<JwtAuth>>()));
        services.TryAddSingleton(sp =>
        {
            var options = Checked(sp);
            return new ServiceCredentials(sp.GetRequiredService<IAuth>(), options, name ?? options.Id ?? "client", sp.GetService<TimeProvider>(), sp.GetService<ILogger<ServiceCredentials>>());
        });
        services.TryAddSingleton<ICallCredentials>(sp => sp.GetRequiredService<ServiceCredentials>());
        services.TryAddSingleton(sp => new AuthServerMiddleware(sp.GetRequiredService<IAuth>(), Checked(sp), sp.GetRequiredService<ILogger<AuthServerMiddleware>>()));
        services.TryAddSingleton(sp => new AuthSubscriberCheck(sp.GetRequiredService<AuthServerMiddleware>()));
        return services;
    }

    /// <summary>Turns auth on (<c>MICRO_AUTH=jwt</c>) in code, whatever the configuration says, and applies <paramref name="configure"/>.</summary>
    public static IServiceCollection UseJwtAuth(this IServiceCollection services, Action<AuthOptions>? configure = null)
    {
        services.AddMicroAuth();
        return services.UsePlugin<AuthOptions>("Auth", "jwt", configure);
    }

    /// <summary>Whether auth is on for this container.</summary>
    internal static bool Enabled(IServiceProvider services) => services.GetService<IOptions<AuthOptions>>()?.Value.Enabled == true;

    /// <summary>The client's credentials when auth is on, else null (nothing attached).</summary>
    internal static ICallCredentials? CallCredentials(IServiceProvider services) => Enabled(services) ? services.GetService<ICallCredentials>() : null;

    private static AuthOptions Checked(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        options.ThrowIfInvalid();
        return options;
    }
}
