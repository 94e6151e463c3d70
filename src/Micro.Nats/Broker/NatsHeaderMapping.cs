using Micro.Broker;
using NATS.Client.Core;

namespace Micro.Nats.Broker;

/// <summary>Micro headers to NATS headers and back (one value per name).</summary>
internal static class NatsHeaderMapping
{
    public static NatsHeaders ToNats(BrokerMessage message)
    {
        var headers = new NatsHeaders(message.Headers.Count); // sized once: the CloudEvents set alone would grow it twice
        foreach (var (key, value) in message.Headers) headers[key] = value;
        return headers;
    }

    public static Dictionary<string, string> FromNats(NatsHeaders? headers)
    {
        var result = new Dictionary<string, string>(headers?.Count ?? 0, StringComparer.Ordinal);
        if (headers is null) return result;
        foreach (var (key, values) in headers)
        {
            // JetStream's own headers (Nats-Msg-Id, ...) are the server's business, not the message's.
            if (key.StartsWith("Nats-", StringComparison.Ordinal)) continue;
            result[key] = values.ToString();
        }
        return result;
    }
}
