using Micro.Broker.Http;
using Micro.Hosting.Internal;
using Microsoft.Extensions.Hosting;

namespace Micro.Broker.Internal;

/// <summary>
/// Makes the builder's subscriptions once the listener is up and the node registered (the HTTP broker advertises the
/// node's address), and ends them first on shutdown, so in-flight handlers finish and nothing new starts.
/// </summary>
internal sealed class SubscriptionService(IBroker broker, NodeIdentity identity, IReadOnlyList<SubscriptionRegistration> registrations, IServiceProvider services)
    : IHostedLifecycleService
{
    private readonly List<ISubscription> _subscriptions = [];

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (broker is HttpBroker http)
        {
            http.Address ??= identity.Node?.Address;
            http.TlsAddress ??= identity.Node?.Metadata.GetValueOrDefault(Identity.MtlsListener.MetadataKey);
        }
        await broker.ConnectAsync(cancellationToken).ConfigureAwait(false);
        Telemetry.TelemetryServiceCollectionExtensions.BrokerTelemetry(services)?.Observe(broker);
        foreach (var registration in registrations)
            _subscriptions.Add(await broker.SubscribeAsync(registration.Topic, registration.Handler(services, broker), registration.Options, cancellationToken).ConfigureAwait(false));
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        foreach (var subscription in _subscriptions) await subscription.DisposeAsync().ConfigureAwait(false);
        _subscriptions.Clear();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
