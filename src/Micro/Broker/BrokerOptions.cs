namespace Micro.Broker;

/// <summary>
/// Broker settings, bound from <c>Micro:Broker:*</c> or <c>MICRO_BROKER_*</c> (e.g. <c>MICRO_BROKER=nats MICRO_BROKER_ADDRESS=nats://127.0.0.1:4222</c>).
/// </summary>
public sealed class BrokerOptions : IPluginOptions
{
    /// <summary>Which broker: http (default), memory, or a plug-in's name (nats, nats-core). MICRO_BROKER.</summary>
    public string? Plugin { get; set; }

    /// <summary>The broker server's address for network plug-ins (nats://host:port). MICRO_BROKER_ADDRESS.</summary>
    public string? Address { get; set; }

    /// <summary>Largest message (body plus headers) accepted, in bytes. Default 1 MiB.</summary>
    public int MaxMessageSize { get; set; } = 1024 * 1024;

    /// <summary>HTTP broker: "file" (SQLite, survives restarts; default) or "memory" (lost with the process).</summary>
    public string Outbox { get; set; } = "file";

    /// <summary>HTTP broker: folder of the outbox file (default: micro-data/&lt;service&gt; under the working directory).</summary>
    public string? OutboxPath { get; set; }

    /// <summary>HTTP broker: deliveries waiting in the outbox before publishing fails with 429 outbox_full. Default 1,000,000.</summary>
    public int MaxPending { get; set; } = 1_000_000;

    /// <summary>HTTP broker: messages per delivery request. Default 256.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>HTTP broker: how long a subscriber may take to answer a delivery request before another node is tried. Default 30 s.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>HTTP broker: how long a message published to a topic with no known subscriber waits for one. Default 1 h.</summary>
    public TimeSpan UnroutedTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>HTTP broker: how long a group whose subscribers all vanished still gets messages kept for it. Default 24 h.</summary>
    public TimeSpan GroupRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>HTTP broker: registry TTL of subscriber records (re-registered at a third of it). Default 30 s.</summary>
    public TimeSpan RegisterTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// HTTP broker: how long a delivery the subscriber refuses (401/403: the publisher's token or the rules) is tried again
    /// before it goes to <c>&lt;topic&gt;.dlq</c> with the refusal as its reason. The wait covers a grant or key the subscriber
    /// has not loaded yet. Default 30 s.
    /// </summary>
    public TimeSpan RefusedRetryFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>NATS JetStream: prefix of stream names; the stream of topic a.b.c is &lt;prefix&gt;a. Default MICRO_.</summary>
    public string StreamPrefix { get; set; } = "MICRO_";

    void IMicroOptions.Read(MicroSettings settings)
    {
        Plugin = settings.Plugin ?? Plugin;
        Address = settings.String(nameof(Address)) ?? Address;
        MaxMessageSize = settings.Int32(nameof(MaxMessageSize)) ?? MaxMessageSize;
        Outbox = settings.String(nameof(Outbox)) ?? Outbox;
        OutboxPath = settings.String(nameof(OutboxPath)) ?? OutboxPath;
        MaxPending = settings.Int32(nameof(MaxPending)) ?? MaxPending;
        BatchSize = settings.Int32(nameof(BatchSize)) ?? BatchSize;
        DeliveryTimeout = settings.Duration(nameof(DeliveryTimeout)) ?? DeliveryTimeout;
        UnroutedTtl = settings.Duration(nameof(UnroutedTtl)) ?? UnroutedTtl;
        GroupRetention = settings.Duration(nameof(GroupRetention)) ?? GroupRetention;
        RegisterTtl = settings.Duration(nameof(RegisterTtl)) ?? RegisterTtl;
        RefusedRetryFor = settings.Duration(nameof(RefusedRetryFor)) ?? RefusedRetryFor;
        StreamPrefix = settings.String(nameof(StreamPrefix)) ?? StreamPrefix;
    }

    /// <summary>Problems with the settings; start-up fails with them.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxMessageSize < 1024) yield return "Micro:Broker:MaxMessageSize must be at least 1024 bytes";
        if (MaxPending < 1) yield return "Micro:Broker:MaxPending must be positive";
        if (BatchSize is < 1 or > 10_000) yield return "Micro:Broker:BatchSize must be between 1 and 10000";
        if (Outbox is not ("file" or "memory")) yield return "Micro:Broker:Outbox must be file or memory";
        if (DeliveryTimeout <= TimeSpan.Zero) yield return "Micro:Broker:DeliveryTimeout must be positive";
        if (RefusedRetryFor < TimeSpan.Zero) yield return "Micro:Broker:RefusedRetryFor must not be negative";
        if (RegisterTtl < TimeSpan.FromSeconds(1)) yield return "Micro:Broker:RegisterTtl must be at least 1s";
        if (string.IsNullOrWhiteSpace(StreamPrefix) || StreamPrefix.AsSpan().IndexOfAny(". *>") >= 0) yield return "Micro:Broker:StreamPrefix must be a non-empty NATS stream name prefix (no '.', ' ', '*', '>')";
    }
}
