namespace Micro.Broker;

/// <summary>
/// A message on a topic: headers (CloudEvents attribute names for the standard ones, see <see cref="BrokerHeaders"/>)
/// and a body encoded by one of the RPC codecs.
/// </summary>
public sealed class BrokerMessage
{
    /// <summary>A message for <paramref name="topic"/> with an encoded <paramref name="body"/> and optional headers.</summary>
    public BrokerMessage(string topic, ReadOnlyMemory<byte> body, Dictionary<string, string>? headers = null)
    {
        Topic = topic;
        Body = body;
        Headers = headers ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>The topic it is published to.</summary>
    public string Topic { get; }

    /// <summary>Header names are case-sensitive, lower-case by convention; values are text.</summary>
    public Dictionary<string, string> Headers { get; }

    /// <summary>The encoded body (see the <c>datacontenttype</c> header).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The CloudEvents <c>id</c>: unique per published message; duplicates of a redelivery share it.</summary>
    public string? Id => Headers.GetValueOrDefault(BrokerHeaders.Id);

    /// <summary>The CloudEvents <c>datacontenttype</c>: the codec of <see cref="Body"/>.</summary>
    public string? ContentType => Headers.GetValueOrDefault(BrokerHeaders.ContentType);

    /// <summary>Approximate size on the wire (body, topic, headers), which brokers compare with their limit.</summary>
    public int Size
    {
        get
        {
            var size = Topic.Length + Body.Length;
            foreach (var (key, value) in Headers) size += key.Length + value.Length + 4;
            return size;
        }
    }
}
