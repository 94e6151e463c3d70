using Micro.Broker;
using Micro.Nats.Broker;
using Micro.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Nats;

/// <summary>The NATS broker plug-ins: <c>AddNatsPlugins()</c> makes <c>MICRO_BROKER=nats</c> (JetStream) and <c>nats-core</c> selectable.</summary>
public static class NatsServiceCollectionExtensions
{
    /// <summary>
    /// Makes the NATS brokers selectable by configuration, without recompiling: MICRO_BROKER=nats (JetStream,
    /// at-least-once) or MICRO_BROKER=nats-core (at-most-once), with MICRO_BROKER_ADDRESS=nats://host:port.
    /// </summary>
    public static IServiceCollection AddNatsPlugins(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<IValidateOptions<BrokerOptions>, NatsAddressValidator>();
        services.AddPlugin<IBroker>("nats", sp => new NatsJetStreamBroker(BrokerServiceCollectionExtensions.Options(sp), Logger(sp)));
        services.AddPlugin<IBroker>("nats-core", sp => new NatsCoreBroker(BrokerServiceCollectionExtensions.Options(sp), Logger(sp)));
        return services;
    }

    /// <summary>Uses the JetStream broker whatever the configuration says; <paramref name="configure"/> sets e.g. the address.</summary>
    public static IServiceCollection UseNatsBroker(this IServiceCollection services, Action<BrokerOptions>? configure = null) =>
        services.AddNatsPlugins().UseBroker("nats", configure);

    /// <summary>Uses core NATS (at-most-once) whatever the configuration says.</summary>
    public static IServiceCollection UseNatsCoreBroker(this IServiceCollection services, Action<BrokerOptions>? configure = null) =>
        services.AddNatsPlugins().UseBroker("nats-core", configure);

    private static ILogger? Logger(IServiceProvider services) => services.GetService<ILoggerFactory>()?.CreateLogger("Micro.Nats");

    /// <summary>A NATS broker picked without an address fails at start, naming the setting (no silent localhost default).</summary>
    private sealed class NatsAddressValidator : IValidateOptions<BrokerOptions>
    {
        public ValidateOptionsResult Validate(string? name, BrokerOptions options) =>
            options.Plugin is "nats" or "nats-core" && string.IsNullOrWhiteSpace(options.Address)
                ? ValidateOptionsResult.Fail($"MICRO_BROKER={options.Plugin} needs the NATS server's address: set MICRO_BROKER_ADDRESS or Micro:Broker:Address (e.g. nats://127.0.0.1:4222)")
                : ValidateOptionsResult.Success;
    }
}
