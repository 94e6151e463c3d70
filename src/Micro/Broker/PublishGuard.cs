namespace Micro.Broker;

/// <summary>What every broker checks before it accepts a publish: a legal topic and a body within the limit.</summary>
internal static class PublishGuard
{
    public static void Check(BrokerMessage message, BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(message);
        TopicName.Validate(message.Topic);
        if (message.Size > options.MaxMessageSize)
            throw new MicroException(BrokerErrors.TooLarge, 413,
                $"message of {message.Size} bytes is larger than the limit of {options.MaxMessageSize} (Micro:Broker:MaxMessageSize)");
    }
}
