namespace Micro.Broker.Internal;

/// <summary>A subscription declared on the service builder, made when the service starts.</summary>
internal sealed record SubscriptionRegistration(string Topic, Type MessageType, SubscribeOptions Options, Func<IServiceProvider, BrokerHandler> Handler);
