namespace Micro.Broker;

/// <summary>One delivery of a message to a subscriber.</summary>
/// <param name="Message">The message as published.</param>
/// <param name="Attempt">1 for the first delivery, 2 for the first redelivery, ...</param>
/// <param name="Group">The group (or, for broadcast, the subscriber's own) the delivery is for.</param>
public readonly record struct BrokerDelivery(BrokerMessage Message, int Attempt, string Group);
