namespace Micro.Broker;

/// <summary>Handles one delivered message and says what happens to it next. Exceptions count as failures (retried).</summary>
public delegate ValueTask<DeliveryOutcome> BrokerHandler(BrokerDelivery delivery, CancellationToken cancellationToken);
