using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Micro.Telemetry;

/// <summary>Registers Micro's tracing and metrics (part of <c>AddMicro</c>; call it to change the options in code).</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Tracing and metrics middleware on every client call and every call served, and the <c>Micro</c> meter (from
    /// <see cref="IMeterFactory"/>). Exporting is the application's choice: see the Micro.OpenTelemetry package.
    /// </summary>
    public static IServiceCollection AddMicroTelemetry(this IServiceCollection services, Action<TelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMicroOptions("Telemetry", configure);
        if (services.Any(d => d.ServiceType == typeof(ClientTelemetry))) return services;
        services.AddMetrics();
        services.TryAddSingleton(sp => new TelemetryMeter(sp.GetRequiredService<IMeterFactory>()));
        services.TryAddSingleton(sp => new ClientTelemetry(sp.GetRequiredService<TelemetryMeter>().Meter,
            sp.GetService<ILoggerFactory>()?.CreateLogger("Micro.Client") ?? NullLogger.Instance, sp.GetRequiredService<IOptions<TelemetryOptions>>().Value));
        services.TryAddSingleton(sp => new BrokerTelemetry(sp.GetRequiredService<TelemetryMeter>().Meter,
            sp.GetService<ILoggerFactory>()?.CreateLogger("Micro.Broker") ?? NullLogger.Instance, Broker.BrokerServiceCollectionExtensions.ServiceName(sp)));
        services.TryAddSingleton(sp => new SyncTelemetry(sp.GetRequiredService<TelemetryMeter>().Meter));
        services.TryAddSingleton(sp => new ServerTelemetryMiddleware(sp.GetRequiredService<TelemetryMeter>().Meter, sp.GetRequiredService<IOptions<TelemetryOptions>>().Value));
        // The client pipeline is built from every registered IClientMiddleware; this one is inserted first (outermost).
        services.Insert(0, ServiceDescriptor.Singleton<Middleware.IClientMiddleware>(sp =>
            sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.Enabled
                ? new ClientTelemetryMiddleware(sp.GetRequiredService<ClientTelemetry>())
                : PassThroughClientMiddleware.Instance));
        return services;
    }

    /// <summary>The container's messaging telemetry, or null when telemetry is off (or not registered).</summary>
    internal static BrokerTelemetry? BrokerTelemetry(IServiceProvider services) =>
        services.GetService<IOptions<TelemetryOptions>>()?.Value.Enabled == true ? services.GetService<BrokerTelemetry>() : null;

    /// <summary>The container's lock wait histogram, or null when telemetry is off (or not registered).</summary>
    internal static SyncTelemetry? SyncTelemetry(IServiceProvider services) =>
        services.GetService<IOptions<TelemetryOptions>>()?.Value.Enabled == true ? services.GetService<SyncTelemetry>() : null;

    /// <summary>The server middleware to put outermost, or none when telemetry is off.</summary>
    internal static IEnumerable<Middleware.IServerMiddleware> ServerMiddleware(IServiceProvider services) =>
        services.GetService<IOptions<TelemetryOptions>>()?.Value.Enabled == true && services.GetService<ServerTelemetryMiddleware>() is { } middleware
            ? [middleware] : [];
}

/// <summary>The one <c>Micro</c> meter of a container (created by its <see cref="IMeterFactory"/>, disposed with it).</summary>
internal sealed class TelemetryMeter(IMeterFactory factory)
{
    public Meter Meter { get; } = factory.Create(new MeterOptions(MicroTelemetry.MeterName) { Version = typeof(MicroTelemetry).Assembly.GetName().Version?.ToString() });
}

/// <summary>Stands in for the telemetry middleware when telemetry is turned off.</summary>
internal sealed class PassThroughClientMiddleware : Middleware.IClientMiddleware
{
    public static readonly PassThroughClientMiddleware Instance = new();
    public Task<object?> InvokeAsync(Middleware.ClientCall call, Middleware.ClientCallHandler next) => next(call);
}
