using System.Globalization;

namespace Micro.Broker;

/// <summary>Builds the message that goes to <c>&lt;topic&gt;.dlq</c>: the original body and headers plus why.</summary>
public static class DeadLetter
{
    /// <summary>The dead-letter copy of <paramref name="message"/> for <c>&lt;topic&gt;.dlq</c>, with the failure reason, group and attempt count in its headers.</summary>
    public static BrokerMessage For(BrokerMessage message, string group, int attempts, string reason)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = new Dictionary<string, string>(message.Headers, StringComparer.Ordinal)
        {
            [BrokerHeaders.DeadLetterReason] = Truncate(reason, 1024),
            [BrokerHeaders.DeadLetterTopic] = message.Topic,
            [BrokerHeaders.DeadLetterGroup] = group,
            [BrokerHeaders.DeadLetterAttempts] = attempts.ToString(CultureInfo.InvariantCulture),
        };
        return new BrokerMessage(TopicName.DeadLetterOf(message.Topic), message.Body, headers);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
