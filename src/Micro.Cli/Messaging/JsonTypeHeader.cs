using Micro.Broker;
using Micro.Cli.Calls;
using Micro.Middleware;

namespace Micro.Cli.Messaging;

/// <summary>
/// The CloudEvents <c>type</c> of a message the tool publishes: the publisher would name the tool's own byte wrapper
/// (<see cref="RawPayload"/>), which says nothing to a subscriber; this names what the user gave with
/// <c>--metadata type=...</c>, else the topic.
/// </summary>
public sealed class JsonTypeHeader : IPublishMiddleware
{
    /// <inheritdoc/>
    public ValueTask InvokeAsync(PublishContext context, PublishHandler next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.Value is RawPayload)
        {
            string? type = null;
            foreach (var (key, value) in context.Options.Metadata ?? new Dictionary<string, string>())
                if (string.Equals(key, BrokerHeaders.Type, StringComparison.OrdinalIgnoreCase)) type = value;
            context.Message.Headers[BrokerHeaders.Type] = string.IsNullOrWhiteSpace(type) ? context.Message.Topic : type;
        }
        return next(context);
    }
}
