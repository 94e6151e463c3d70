using Micro.Broker;

namespace Micro.Middleware;

/// <summary>The rest of the publish pipeline: the next middleware, and finally the broker.</summary>
public delegate ValueTask PublishHandler(PublishContext context);

/// <summary>
/// Wraps every publish a client makes (auth, tracing, auditing). The first added is the outermost. The message is already
/// encoded: middleware may add headers to <see cref="PublishContext.Message"/>.
/// </summary>
public interface IPublishMiddleware
{
    /// <summary>Handles one publish, usually by calling <paramref name="next"/>.</summary>
    ValueTask InvokeAsync(PublishContext context, PublishHandler next);
}

/// <summary>A publish as middleware sees it.</summary>
public sealed class PublishContext(BrokerMessage message, object? value, PublishOptions options, CancellationToken cancellationToken)
{
    /// <summary>The encoded message; its headers may be changed.</summary>
    public BrokerMessage Message { get; } = message;

    /// <summary>The value before encoding.</summary>
    public object? Value { get; } = value;

    /// <summary>The publish's options (codec, headers).</summary>
    public PublishOptions Options { get; } = options;

    /// <summary>Cancels the publish.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;
}
