using System.Buffers;
using System.Globalization;
using Micro.Codec;
using Micro.Middleware;

namespace Micro.Broker;

/// <summary>
/// Turns a typed publish into a <see cref="BrokerMessage"/>: body by the RPC codecs, CloudEvents headers
/// (id, source, type, time, datacontenttype, specversion), the caller's metadata; then, inside a "send {topic}" producer
/// span whose <c>traceparent</c>/<c>tracestate</c> go in the headers, publish middleware and the broker. Behind <see cref="Client.IMicroClient.PublishAsync{T}"/>.
/// </summary>
public sealed class MessagePublisher
{
    private readonly Func<IBroker> _broker;
    private readonly CodecRegistry _codecs;
    private readonly IPublishMiddleware[] _middleware;
    private readonly TimeProvider _time;
    private readonly Func<PublishContext, ValueTask> _send;
    private IBroker? _resolved;

    /// <param name="broker">Resolved on first publish, so a client that never publishes never opens a broker.</param>
    /// <param name="codecs">Encodes the typed messages.</param>
    /// <param name="source">The CloudEvents source: the publishing service's name.</param>
    /// <param name="middleware">Publish middleware, the first outermost.</param>
    /// <param name="time">The clock of the CloudEvents <c>time</c> header.</param>
    public MessagePublisher(Func<IBroker> broker, CodecRegistry codecs, string source, IEnumerable<IPublishMiddleware>? middleware = null, TimeProvider? time = null)
    {
        _broker = broker ?? throw new ArgumentNullException(nameof(broker));
        _codecs = codecs ?? throw new ArgumentNullException(nameof(codecs));
        Source = source;
        _middleware = middleware?.ToArray() ?? [];
        _time = time ?? TimeProvider.System;
        _send = Send;
    }

    /// <summary>The CloudEvents source of every message.</summary>
    public string Source { get; }

    /// <summary>The broker publishes go to (resolved on first use).</summary>
    public IBroker Broker => _resolved ?? Resolve();

    /// <summary>Spans and messaging metrics (the container's; spans only when built by hand; null: telemetry turned off).</summary>
    internal Telemetry.BrokerTelemetry? Telemetry { get; init; } = Micro.Telemetry.BrokerTelemetry.Untracked;

    private IBroker Resolve()
    {
        var broker = _broker();
        Telemetry?.Observe(broker);
        return _resolved = broker;
    }

    /// <summary>Encodes <paramref name="message"/> and publishes it to <paramref name="topic"/>; returns once the broker durably accepted it.</summary>
    public ValueTask PublishAsync<T>(string topic, T message, PublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        TopicName.Validate(topic);
        options ??= PublishOptions.Default;
        var codec = options.ContentType is null ? _codecs.For<T>() : _codecs.Get(options.ContentType);
        var body = new ArrayBufferWriter<byte>(256);
        codec.Write(message, body);
        var headers = new Dictionary<string, string>(8 + (options.Metadata?.Count ?? 0), StringComparer.Ordinal);
        if (options.Metadata is not null)
            foreach (var (key, value) in options.Metadata) headers[key.ToLowerInvariant()] = value;
        headers[BrokerHeaders.Id] = options.Id ?? Guid.CreateVersion7().ToString();
        headers[BrokerHeaders.Source] = Source;
        headers[BrokerHeaders.Type] = TypeName<T>.Value;
        // "O" of a UTC DateTime is RFC 3339 with 7 fractional digits and Z, by the runtime's fast path (no format string parsed).
        headers[BrokerHeaders.Time] = _time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        headers[BrokerHeaders.ContentType] = codec.ContentType;
        headers[BrokerHeaders.SpecVersion] = "1.0";
        var encoded = new BrokerMessage(topic, body.WrittenMemory, headers);
        if (Telemetry is { Active: true } telemetry)
            return telemetry.PublishAsync(Broker, new PublishContext(encoded, message, options, cancellationToken), _send);
        // Nobody listens to Micro: still carry the caller's own trace (another library's activity) across the topic.
        Micro.Telemetry.MessagingSpans.InjectCurrent(null, headers);
        return _middleware.Length == 0 ? Broker.PublishAsync(encoded, cancellationToken) : Send(new PublishContext(encoded, message, options, cancellationToken));
    }

    private ValueTask Send(PublishContext context)
    {
        if (_middleware.Length == 0) return Broker.PublishAsync(context.Message, context.CancellationToken);
        PublishHandler next = c => Broker.PublishAsync(c.Message, c.CancellationToken);
        for (var i = _middleware.Length - 1; i >= 0; i--)
        {
            var middleware = _middleware[i];
            var inner = next;
            next = c => middleware.InvokeAsync(c, inner);
        }
        return next(context);
    }

    private static class TypeName<T>
    {
        public static readonly string Value = typeof(T).FullName ?? typeof(T).Name;
    }
}
