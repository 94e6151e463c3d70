using System.Text;
using System.Text.Json;
using Micro.Broker;
using Micro.Broker.Http;
using Micro.Cli.Output;

namespace Micro.Cli.Messaging;

/// <summary>
/// A subscription that shows messages rather than handles them (<c>micro subscribe</c>, the dashboard's tail). By default
/// it is a broadcast subscription, a group of its own that publishers forget once it is gone, so a tail never takes a
/// message from a service's group; with a group it competes in that group like any member. A message is acknowledged
/// only after <c>show</c> accepted it; one it declines (a tail that has seen enough) goes back for redelivery.
/// </summary>
public sealed class TopicTail : IAsyncDisposable
{
    private readonly ISubscription _subscription;

    private TopicTail(ISubscription subscription, string group, bool broadcast)
    {
        _subscription = subscription;
        Group = group;
        Broadcast = broadcast;
    }

    /// <summary>The group it takes messages in: the one asked for, or for a broadcast tail one of its own.</summary>
    public string Group { get; }

    /// <summary>Whether the tail is a group of its own.</summary>
    public bool Broadcast { get; }

    /// <summary>
    /// Subscribes to <paramref name="topic"/> on <paramref name="broker"/> (in <paramref name="group"/>, or broadcast when
    /// null). The HTTP broker needs a <see cref="DeliveryListener"/> started first. <paramref name="show"/> returns false to decline.
    /// </summary>
    /// <exception cref="CliException">Exit code 2 for an illegal topic or group.</exception>
    public static async Task<TopicTail> StartAsync(IBroker broker, string topic, string? group,
        Func<MessageView, CancellationToken, ValueTask<bool>> show, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(show);
        TopicInput.Check(topic);
        if (group is not null && (!TopicName.IsValid(group) || group.Length > 100))
            throw CliException.Usage(TopicName.IllegalError, $"illegal group '{group}': letters, digits, '.', '-' and '_', at most 100 characters");
        var options = new SubscribeOptions { Group = group, Broadcast = group is null };
        var subscription = await broker.SubscribeAsync(topic, async (delivery, ct) =>
            await show(View(delivery), ct).ConfigureAwait(false) ? DeliveryOutcome.Ack : DeliveryOutcome.Retry(TimeSpan.FromSeconds(1), "the tail has stopped"),
            options, cancellationToken).ConfigureAwait(false);
        return new TopicTail(subscription, group ?? options.EffectiveGroup(SubscriberIdOf(broker)), group is null);
    }

    private static string SubscriberIdOf(IBroker broker) => broker is HttpBroker http ? http.SubscriberId : "tail";

    /// <summary>A delivery as the tail prints it: headers, and the body as JSON when it is, else as text or base64.</summary>
    public static MessageView View(BrokerDelivery delivery)
    {
        var message = delivery.Message;
        JsonElement? json = null;
        string? text = null, base64 = null;
        try
        {
            using var document = JsonDocument.Parse(message.Body);
            json = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message.Body.Span); }
            catch (DecoderFallbackException) { base64 = Convert.ToBase64String(message.Body.Span); }
        }
        return new MessageView(message.Topic, message.Id, delivery.Group, delivery.Attempt,
            new SortedDictionary<string, string>(message.Headers, StringComparer.Ordinal), json, text, base64);
    }

    /// <summary>Unsubscribes (the HTTP broker leaves the registry, so publishers stop delivering here).</summary>
    public ValueTask DisposeAsync() => _subscription.DisposeAsync();
}
