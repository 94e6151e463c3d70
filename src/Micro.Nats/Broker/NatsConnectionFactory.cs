using Micro.Broker;
using Micro.Errors;
using NATS.Client.Core;

namespace Micro.Nats.Broker;

/// <summary>Opens the one long-lived NATS connection a broker shares, from <see cref="BrokerOptions.Address"/>.</summary>
internal static class NatsConnectionFactory
{
    public static NatsConnection Create(BrokerOptions options, string name)
    {
        if (string.IsNullOrWhiteSpace(options.Address))
            throw new InvalidOperationException($"MICRO_BROKER={name} needs the server's address: set MICRO_BROKER_ADDRESS or Micro:Broker:Address (e.g. nats://127.0.0.1:4222)");
        var url = options.Address.Contains("://", StringComparison.Ordinal) ? options.Address : "nats://" + options.Address;
        return new NatsConnection(NatsOpts.Default with { Url = url, Name = "micro", SubPendingChannelCapacity = 4096 });
    }

    /// <summary>Connects and checks that the server is one we know how to use.</summary>
    public static async Task ConnectAsync(NatsConnection connection, bool needJetStream, CancellationToken cancellationToken)
    {
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NatsException e)
        {
            throw new MicroException(BrokerErrors.Unavailable, 503, $"cannot reach NATS at {connection.Opts.Url}: {e.Message}", e);
        }
        var info = connection.ServerInfo ?? throw new MicroException(BrokerErrors.Unavailable, 503, "NATS server sent no INFO");
        if (!Version.TryParse(info.Version.Split('-')[0], out var version) || version < new Version(2, 9))
            throw new MicroException(BrokerErrors.Unsupported, 400, $"NATS server {info.Version} is too old: Micro needs 2.9 or later");
        if (needJetStream && !info.JetStreamAvailable)
            throw new MicroException(BrokerErrors.Unsupported, 400, $"NATS server at {connection.Opts.Url} runs without JetStream (start it with -js), which MICRO_BROKER=nats needs; MICRO_BROKER=nats-core is at-most-once without it");
    }
}
