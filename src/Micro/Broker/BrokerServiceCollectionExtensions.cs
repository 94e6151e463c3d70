using Micro.Broker.Http;
using Micro.Codec;
using Micro.Middleware;
using Micro.Plugins;
using Micro.Registry;
using Micro.Selector;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Broker;

/// <summary>Registers the broker piece: memory, HTTP (default) or a plug-in, chosen by <c>MICRO_BROKER</c>.</summary>
public static class BrokerServiceCollectionExtensions
{
    /// <summary>
    /// The broker chosen by MICRO_BROKER: http (default: durable outbox, delivery over the service's own listener),
    /// memory, or a plug-in's name (nats, nats-core after <c>AddNatsPlugins()</c>). Settings: <see cref="BrokerOptions"/>.
    /// </summary>
    public static IServiceCollection AddMicroBroker(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddPlugin<IBroker>("memory", sp => new MemoryBroker(Options(sp), sp.GetService<TimeProvider>()));
        services.AddPlugin<IBroker>("http", CreateHttpBroker);
        // The HTTP broker's outbox, by Micro:Broker:Outbox: memory here; file (SQLite) from Micro.Sqlite's AddSqlitePlugins().
        services.AddPlugin<IOutbox>("memory", _ => new MemoryOutbox());
        services.AddSelectedPlugin<IBroker, BrokerOptions>("Broker", defaultName: "http");
        return services;
    }

    /// <summary>Uses the in-process broker whatever the configuration says (tests, single-process apps).</summary>
    public static IServiceCollection UseMemoryBroker(this IServiceCollection services, Action<BrokerOptions>? configure = null) =>
        services.UseBroker("memory", configure);

    /// <summary>Uses the HTTP broker whatever the configuration says.</summary>
    public static IServiceCollection UseHttpBroker(this IServiceCollection services, Action<BrokerOptions>? configure = null) =>
        services.UseBroker("http", configure);

    /// <summary>Forces the broker plug-in named <paramref name="plugin"/> and applies <paramref name="configure"/> to its options.</summary>
    public static IServiceCollection UseBroker(this IServiceCollection services, string plugin, Action<BrokerOptions>? configure = null) =>
        services.UsePlugin("Broker", plugin, configure);

    /// <summary>The broker options as configured (configuration, then code).</summary>
    public static BrokerOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<BrokerOptions>>().Value;

    /// <summary>Adds a publish middleware; the first added is the outermost.</summary>
    public static IServiceCollection AddPublishMiddleware(this IServiceCollection services, IPublishMiddleware middleware) =>
        services.AddSingleton(middleware);

    /// <summary>Adds a subscriber middleware for every subscription of the service; the first added is the outermost.</summary>
    public static IServiceCollection AddSubscriberMiddleware(this IServiceCollection services, ISubscriberMiddleware middleware) =>
        services.AddSingleton(middleware);

    /// <summary>The service name publishers and outboxes are known by ("micro-client" outside a service).</summary>
    internal static string ServiceName(IServiceProvider services) => services.GetService<BrokerServiceName>()?.Name ?? "micro-client";

    private static HttpBroker CreateHttpBroker(IServiceProvider services)
    {
        var options = Options(services);
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var name = ServiceName(services);
        var outbox = services.GetServices<PluginFactory<IOutbox>>().LastOrDefault(f => string.Equals(f.Name, options.Outbox, StringComparison.OrdinalIgnoreCase))?.Create(services)
            ?? throw new InvalidOperationException(OutboxMissing(options.Outbox));
        var auth = Auth.AuthServiceCollectionExtensions.Enabled(services);
        return new HttpBroker(services.GetRequiredService<IRegistry>(), options, outbox,
            services.GetService<ISelector>(), time, services.GetService<ILoggerFactory>()?.CreateLogger<HttpBroker>() ?? NullLogger<HttpBroker>.Instance)
        {
            Service = name,
            // With auth on, deliveries are checked like calls: the publisher's token for the subscribing service, then the
            // rules on subscriber:<topic>:<service>. The memory broker is in-process (trusted); NATS relies on its server's permissions.
            Credentials = Auth.AuthServiceCollectionExtensions.CallCredentials(services),
            SubscriberCheck = auth ? services.GetRequiredService<Auth.AuthSubscriberCheck>() : null,
            Security = services.GetService<Identity.TransportSecurity>(),
        };
    }

    /// <summary>Why a broker with the outbox <paramref name="outbox"/> cannot be made in this process.</summary>
    internal static string OutboxMissing(string outbox) =>
        $"Micro:Broker:Outbox (MICRO_BROKER_OUTBOX) = {outbox}: no such outbox is registered. The durable file outbox (the default) is in the " +
        "Micro.Sqlite package: reference it and call services.AddSqlitePlugins(); or set MICRO_BROKER_OUTBOX=memory, which loses undelivered messages with the process.";

    /// <summary>The folder of this process's file outbox: <see cref="BrokerOptions.OutboxPath"/>, else micro-data/&lt;service&gt;.</summary>
    internal static string OutboxFolder(IServiceProvider services) => Options(services).OutboxPath ?? Path.Combine("micro-data", ServiceName(services));

    /// <summary>The publisher behind <see cref="Client.IMicroClient.PublishAsync{T}"/>.</summary>
    internal static MessagePublisher PublisherFor(IServiceProvider services) => new(
        services.GetRequiredService<IBroker>, services.GetRequiredService<CodecRegistry>(), ServiceName(services),
        services.GetServices<IPublishMiddleware>(), services.GetService<TimeProvider>())
    { Telemetry = Telemetry.TelemetryServiceCollectionExtensions.BrokerTelemetry(services) };
}

/// <summary>The name of the service a container belongs to, for brokers (CloudEvents source, outbox folder).</summary>
internal sealed record BrokerServiceName(string Name);
