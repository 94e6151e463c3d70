using System.Globalization;
using Micro.Auth;
using Micro.Client;
using Micro.Codec;
using Micro.Middleware;
using Micro.Plugins;
using Micro.Registry;
using Micro.Registry.Mdns;
using Micro.Selector;
using Micro.Store;
using Micro.Sync;
using Micro.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Micro;

/// <summary>Registers Micro's core pieces (codecs, registry, selector, client) and their settings.</summary>
public static class MicroServiceCollectionExtensions
{
    /// <summary>
    /// Micro's core services with their defaults: codecs, registry (MICRO_REGISTRY: mdns (default) | memory | a plug-in),
    /// selector (MICRO_SELECTOR: p2c (default) | random | roundrobin) and the client. Everything is TryAdd: a registration
    /// made by the app itself wins.
    /// </summary>
    public static IServiceCollection AddMicro(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(MicroMarker))) return services;
        services.AddSingleton<MicroMarker>();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new CodecRegistry(sp.GetServices<ICodec>()
            .Concat([new ProtobufCodec(), JsonCodecFrom(sp)]).DistinctBy(c => c.ContentType)));

        services.TryAddSingleton(sp => new MemoryRegistry(sp.GetRequiredService<TimeProvider>()));
        services.AddPlugin<IRegistry>("memory", sp => sp.GetRequiredService<MemoryRegistry>());
        services.AddPlugin<IRegistry>("mdns", sp => new MdnsRegistry(sp.GetRequiredService<IOptions<RegistryOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetService<Microsoft.Extensions.Logging.ILogger<MdnsRegistry>>()));
        services.AddSelectedPlugin<IRegistry, RegistryOptions>("Registry", defaultName: "mdns");

        services.AddPlugin<ISelector>("random", _ => new RandomSelector());
        services.AddPlugin<ISelector>("roundrobin", _ => new RoundRobinSelector());
        services.AddPlugin<ISelector>("p2c", sp => new PowerOfTwoChoicesSelector(sp.GetRequiredService<TimeProvider>()));
        // p2c by default: with nodes of unequal speed it sends a slow one a small share of calls (random: a third); see README "Selectors".
        services.AddSelectedPlugin<ISelector, SelectorOptions>("Selector", defaultName: "p2c");

        services.AddMicroStore();
        services.AddMicroSync();
        services.TryAddSingleton<Config.IMicroConfig>(sp => new Config.MicroConfig(sp.GetService<IConfiguration>() ?? new ConfigurationBuilder().Build()));

        services.AddMicroAuth();
        services.AddMicroClient();
        services.AddMicroTelemetry();
        services.TryAddSingleton(sp => new MicroClient(
            sp.GetRequiredService<IRegistry>(), sp.GetRequiredService<ISelector>(), sp.GetRequiredService<CodecRegistry>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClientOptions>>().Value,
            sp.GetServices<IClientMiddleware>().Where(m => m is not Telemetry.PassThroughClientMiddleware), sp.GetRequiredService<TimeProvider>(),
            AuthServiceCollectionExtensions.CallCredentials(sp))
        { Telemetry = sp.GetRequiredService<Telemetry.ClientTelemetry>() });
        services.TryAddSingleton<IMicroClient>(sp => sp.GetRequiredService<MicroClient>());
        return services;
    }

    /// <summary>Uses the mDNS registry whatever the configuration says, with <paramref name="configure"/> applied to its options.</summary>
    public static IServiceCollection UseMdnsRegistry(this IServiceCollection services, Action<RegistryOptions>? configure = null) =>
        services.UsePlugin("Registry", "mdns", configure);

    /// <summary>
    /// Lets the JSON codec encode the plain .NET types that <paramref name="context"/> (a source-generated
    /// <c>JsonSerializerContext</c>) describes; needed for every such handler, event or client type under NativeAOT.
    /// </summary>
    public static IServiceCollection AddMicroJson(this IServiceCollection services, System.Text.Json.Serialization.Metadata.IJsonTypeInfoResolver context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return services.AddSingleton(new JsonContextRegistration(context));
    }

    /// <summary>
    /// Lets the JSON codec describe any plain .NET type by reflection, after the contexts registered with
    /// <see cref="AddMicroJson"/>: convenient in JIT apps and tests; under NativeAOT use <see cref="AddMicroJson"/> instead.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Reflection-based JSON; use AddMicroJson with a JsonSerializerContext for trimmed apps.")]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Reflection-based JSON; use AddMicroJson with a JsonSerializerContext for NativeAOT.")]
    public static IServiceCollection AddMicroJsonReflection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(new JsonReflectionRegistration(resolvers => JsonCodec.WithReflection(resolvers)));
        return services;
    }

    private static JsonCodec JsonCodecFrom(IServiceProvider sp)
    {
        var contexts = sp.GetServices<JsonContextRegistration>().Select(r => r.Resolver).ToList();
        return sp.GetService<JsonReflectionRegistration>() is { } reflection ? reflection.Create(contexts) : new JsonCodec(contexts);
    }

    /// <summary>
    /// Configures the client (<see cref="ClientOptions"/>): from <c>Micro:Client:*</c> / <c>MICRO_CLIENT_*</c>, then
    /// <paramref name="configure"/>; validated at start.
    /// </summary>
    public static IServiceCollection AddMicroClient(this IServiceCollection services, Action<ClientOptions>? configure = null)
    {
        services.AddMicroOptions("Client", configure);
        return services;
    }

    /// <summary>Adds a client middleware; the first added is the outermost.</summary>
    public static IServiceCollection AddClientMiddleware(this IServiceCollection services, IClientMiddleware middleware) =>
        services.AddSingleton(middleware);



    private sealed class MicroMarker;
}
