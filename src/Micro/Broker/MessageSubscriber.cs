using System.Diagnostics.CodeAnalysis;
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
    public static BrokerHandler Create<
        [DynamicallyAccessedMembers(MessageType.Members)] T>(Func<T, MessageContext, Task> handler, SubscribeOptions options, CodecRegistry codecs,
        IEnumerable<ISubscriberMiddleware>? middleware = null, IServiceProvider? services = null) =>
        Create(handler, options, codecs, middleware, services, telemetry: null, system: "");

    /// <summary>
    /// The same, under <paramref name="telemetry"/>: a "process {topic}" span per delivery (child of the publish, covering
    /// middleware, decoding and the handler), the process duration and consumed count, the redelivery and dead-letter
    /// log events. <paramref name="system"/> is the broker's <c>messaging.system</c>.
    /// </summary>
    internal static BrokerHandler Create<
        [DynamicallyAccessedMembers(MessageType.Members)] T>(Func<T, MessageContext, Task> handler, SubscribeOptions options, CodecRegistry codecs,
        IEnumerable<ISubscriberMiddleware>? middleware, IServiceProvider? services, Telemetry.BrokerTelemetry? telemetry, string system)
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
            var scope = telemetry?.StartProcess(system, delivery) ?? default;
            var context = new MessageContext(delivery, options, services, cancellationToken);
            DeliveryOutcome outcome;
            Exception? error = null;
            try
            {
                await pipeline(context).ConfigureAwait(false);
                outcome = context.Decision ?? DeliveryOutcome.Ack;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping, not failing: the message goes back without counting as a failed attempt.
                scope.Span?.Dispose();
                return DeliveryOutcome.Retry(TimeSpan.Zero, "subscriber stopped");
            }
            catch (Exception e)
            {
                error = e;
                outcome = DeliveryOutcome.Failed(options.Retry, delivery.Attempt, SafeHandler.Describe(e));
            }
            telemetry?.EndProcess(scope, delivery, outcome, error);
            return outcome;
        };
    }
}
