using Micro.Broker;

namespace Micro.Middleware;

/// <summary>The rest of the subscriber pipeline: the next middleware, and finally decoding and the handler.</summary>
public delegate ValueTask MessageHandler(MessageContext context);

/// <summary>
/// Wraps every message a service's subscribers handle (auth, tracing, metrics), like <see cref="IServerMiddleware"/>
/// for calls. The first added is the outermost. Throwing fails the attempt (retried with backoff);
/// <see cref="MessageContext.DeadLetter"/> or <see cref="MessageContext.RetryLater"/> decide explicitly.
/// </summary>
public interface ISubscriberMiddleware
{
    /// <summary>Handles one delivery, usually by calling <paramref name="next"/>.</summary>
    ValueTask InvokeAsync(MessageContext context, MessageHandler next);
}
