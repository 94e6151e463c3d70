namespace Micro.Broker.Internal;

/// <summary>A subscription declared on the service builder, made when the service starts (its handler built for the container's broker).</summary>
internal sealed record SubscriptionRegistration(string Topic, Type MessageType, SubscribeOptions Options, Func<IServiceProvider, IBroker, BrokerHandler> Handler);
