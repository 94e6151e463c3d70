using Micro.Broker;
using Micro.Cli.Output;

namespace Micro.Cli.Messaging;

/// <summary>Checks a topic the user typed before anything is sent, so a typo is a local usage error (exit code 2).</summary>
public static class TopicInput
{
    /// <exception cref="CliException">Exit code 2, <c>micro.broker.illegal_topic</c>.</exception>
    public static void Check(string? topic)
    {
        if (!TopicName.IsValid(topic))
            throw CliException.Usage(TopicName.IllegalError,
                $"illegal topic '{topic}': use dot-separated tokens of letters, digits, '-' and '_', at most {TopicName.MaxLength} characters");
    }
}
