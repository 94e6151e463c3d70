namespace Micro.Broker;

/// <summary>What a broker promises about delivery.</summary>
/// <param name="AtLeastOnce">An accepted message reaches every group until a handler acknowledges it (else: at most once).</param>
/// <param name="Durable">Accepted messages survive a restart of the publisher or the broker.</param>
/// <param name="OrderedPerPublisher">Messages of one publisher reach a group in publish order (retries aside).</param>
public sealed record BrokerGuarantees(bool AtLeastOnce, bool Durable, bool OrderedPerPublisher);
