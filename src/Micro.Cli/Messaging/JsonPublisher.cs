using System.Diagnostics;
using Micro.Broker;
using Micro.Broker.Http;
using Micro.Cli.Calls;
using Micro.Cli.Output;
using Micro.Client;
using Micro.Codec;

namespace Micro.Cli.Messaging;

/// <summary>
/// Publishes the user's JSON through the normal Micro client (publish middleware: auth, tracing; the CloudEvents headers),
/// for the CLI, the dashboard and the MCP server alike. Topic and size are checked first, so bad input is a local usage error.
/// </summary>
public sealed class JsonPublisher(IMicroClient client, Func<IBroker> broker, BrokerOptions options)
{
    /// <summary>A publisher with the services' client and broker (resolved on first use) and the broker options.</summary>
    public static JsonPublisher For(Hosting.CliServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new JsonPublisher(services.Client, () => services.Broker,
            Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerOptions>>(services.Provider).Value);
    }

    /// <summary>How often <see cref="WaitForDeliveryAsync"/> looks at the outbox.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The broker messages go to.</summary>
    public IBroker Broker => broker();

    /// <summary>Publishes <paramref name="body"/> to <paramref name="topic"/>; returns the message id once the broker accepted it.</summary>
    /// <exception cref="CliException">Exit code 2: illegal topic, or a body over <see cref="BrokerOptions.MaxMessageSize"/>.</exception>
    /// <exception cref="MicroException">From the broker: 503 unreachable, 429 outbox full, ...</exception>
    public async Task<string> PublishAsync(string topic, RawPayload body, IReadOnlyDictionary<string, string>? metadata, string? id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        TopicInput.Check(topic);
        if (body.Bytes.Length > options.MaxMessageSize)
            throw CliException.Usage("cli.message.too_large", $"the message is {body.Bytes.Length} bytes; the broker's limit is {options.MaxMessageSize} (Micro:Broker:MaxMessageSize)");
        id = string.IsNullOrWhiteSpace(id) ? Guid.CreateVersion7().ToString() : id;
        await client.PublishAsync(topic, body, new PublishOptions { ContentType = JsonCodec.MediaType, Metadata = metadata, Id = id }, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// For a process about to exit: waits until the HTTP broker's outbox is empty (every subscribing group acknowledged),
    /// at most <paramref name="timeout"/>. Other brokers hold accepted messages on their server: nothing to wait for.
    /// </summary>
    /// <returns>Deliveries still pending (0: all delivered).</returns>
    public async Task<long> WaitForDeliveryAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Broker is not HttpBroker http) return 0;
        var started = Stopwatch.GetTimestamp();
        while (http.Counters.Pending > 0 && Stopwatch.GetElapsedTime(started) < timeout)
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        return http.Counters.Pending;
    }
}
