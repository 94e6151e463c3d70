using Micro.Errors;

namespace Micro.Broker;

/// <summary>
/// Topic rules, the same for every broker so an app can switch: dot-separated tokens of letters, digits,
/// '-' and '_', at most <see cref="MaxLength"/> characters. No wildcards, no spaces (NATS subjects and
/// registry names must hold them unchanged).
/// </summary>
public static class TopicName
{
    /// <summary>The longest topic name accepted.</summary>
    public const int MaxLength = 200;

    /// <summary>Error id for a topic that breaks the rules.</summary>
    public const string IllegalError = "micro.broker.illegal_topic";

    /// <summary>Whether <paramref name="topic"/> is a legal topic name: dot-separated tokens of letters, digits, '-' and '_'.</summary>
    public static bool IsValid(string? topic)
    {
        if (string.IsNullOrEmpty(topic) || topic.Length > MaxLength) return false;
        var previousDot = true;
        foreach (var c in topic)
        {
            if (c == '.')
            {
                if (previousDot) return false;
                previousDot = true;
                continue;
            }
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) return false;
            previousDot = false;
        }
        return !previousDot;
    }

    /// <exception cref="MicroException">400 <see cref="IllegalError"/>.</exception>
    public static void Validate(string? topic)
    {
        if (!IsValid(topic))
            throw MicroException.BadRequest(IllegalError,
                $"illegal topic '{topic}': use dot-separated tokens of letters, digits, '-' and '_', at most {MaxLength} characters");
    }

    /// <summary>The same rules apply to group names, which become registry and JetStream consumer names.</summary>
    public static void ValidateGroup(string group)
    {
        if (!IsValid(group) || group.Length > 100)
            throw MicroException.BadRequest(IllegalError, $"illegal group '{group}': letters, digits, '.', '-' and '_', at most 100 characters");
    }

    /// <summary>The dead-letter topic of <paramref name="topic"/>: <c>&lt;topic&gt;.dlq</c>.</summary>
    public static string DeadLetterOf(string topic) => topic + BrokerHeaders.DeadLetterSuffix;
}
