using Micro.Codec;
using Micro.Errors;
using Micro.Middleware;

namespace Micro.Broker;

/// <summary>
/// Turns a typed handler into a <see cref="BrokerHandler"/>: subscriber middleware, decoding by the message's
/// datacontenttype (malformed or undecodable payloads are dead-lettered at once: retrying cannot fix them),
/// then the handler; a normal return acks, an exception retries with backoff.
/// </summary>
public static class MessageSubscriber
{
    /// <summary>Builds the broker-level handler for a typed subscriber: decode, middleware, handler, outcome.</summary>
    public static BrokerHandler Create<T>(Func<T, MessageContext, Task> handler, SubscribeOptions options, CodecRegistry codecs,
        IEnumerable<ISubscriberMiddleware>? middleware = null, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(codecs);
        // A type no codec can decode is a mistake in the program: say so now, not by dead-lettering every message.
        if (!codecs.For<T>().CanHandle(typeof(T))) throw new InvalidOperationException($"subscription to {typeof(T).Name}: " + JsonCodec.MissingTypeInfoMessage(typeof(T)));
        MessageHandler pipeline = async context =>
        {
            T value;
            try
            {
                var codec = context.Message.ContentType is { } contentType ? codecs.Get(contentType) : codecs.For<T>();
                value = codec.Read<T>(new System.Buffers.ReadOnlySequence<byte>(context.Message.Body));
            }
            catch (MicroException e) when (e.Id is ErrorCodes.MalformedPayload or ErrorCodes.UnsupportedContentType)
            {
                context.DeadLetter("malformed payload: " + e.Detail);
                return;
            }
            context.Value = value;
            await handler(value, context).ConfigureAwait(false);
        };
        var chain = middleware?.ToArray() ?? [];
        for (var i = chain.Length - 1; i >= 0; i--)
        {
            var outer = chain[i];
            var inner = pipeline;
            pipeline = c => outer.InvokeAsync(c, inner);
        }
        return async (delivery, cancellationToken) =>
        {
            var context = new MessageContext(delivery, options, services, cancellationToken);
            try
            {
                await pipeline(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return DeliveryOutcome.Retry(TimeSpan.Zero, "subscriber stopped");
            }
            catch (Exception e)
            {
                return DeliveryOutcome.Failed(options.Retry, delivery.Attempt, SafeHandler.Describe(e));
            }
            return context.Decision ?? DeliveryOutcome.Ack;
        };
    }
}
