using System.Text.Json;
using Micro.Cli.Calls;
using Micro.Cli.Messaging;
using Micro.Cli.Output;
using ModelContextProtocol.Protocol;

namespace Micro.Cli.Mcp;

/// <summary>
/// The <c>publish</c> tool: <c>{topic, message, metadata?}</c> publishes <c>message</c> (any JSON) to <c>topic</c> through
/// the broker the services use; the result is <c>{"id", "topic"}</c>. Its name has no dot, so no endpoint tool can take it.
/// </summary>
public static class McpPublishTool
{
    /// <summary>The tool's name.</summary>
    public const string Name = "publish";

    /// <summary>The tool as listed.</summary>
    public static Tool Tool { get; } = new()
    {
        Name = Name,
        Description = "Publishes a JSON message to a topic of the Micro broker (every subscribing group gets it). Returns the message id.",
        InputSchema = JsonDocument.Parse("""
            {"type":"object","properties":{
              "topic":{"type":"string","description":"dot-separated tokens of letters, digits, '-' and '_', e.g. user.created"},
              "message":{"description":"the message, any JSON value"},
              "metadata":{"type":"object","additionalProperties":{"type":"string"},"description":"headers every subscriber sees"}},
             "required":["topic","message"],"additionalProperties":false}
            """).RootElement.Clone(),
    };

    /// <summary>Publishes what <paramref name="arguments"/> say; bad arguments and broker errors are tool errors.</summary>
    public static async ValueTask<CallToolResult> CallAsync(JsonPublisher publisher, IDictionary<string, JsonElement>? arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        if (arguments is null || !arguments.TryGetValue("topic", out var topic) || topic.ValueKind != JsonValueKind.String)
            return McpToolServer.Failure("publish needs a topic (a string)");
        if (!arguments.TryGetValue("message", out var message))
            return McpToolServer.Failure("publish needs a message (any JSON value)");
        Dictionary<string, string>? metadata = null;
        if (arguments.TryGetValue("metadata", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            if (given.ValueKind != JsonValueKind.Object) return McpToolServer.Failure("metadata must be an object of strings");
            metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in given.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String) return McpToolServer.Failure($"metadata {property.Name} must be a string");
                if (!string.Equals(property.Name, "authorization", StringComparison.OrdinalIgnoreCase)) metadata[property.Name] = property.Value.GetString()!;
            }
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var name = topic.GetString()!;
            var id = await publisher.PublishAsync(name, new RawPayload(JsonSerializer.SerializeToUtf8Bytes(message, CliJsonContext.Default.JsonElement)), metadata, null, deadline.Token).ConfigureAwait(false);
            return new CallToolResult { Content = [new TextContentBlock { Text = JsonSerializer.Serialize(new PublishResult(id, name, publisher.Broker.Name), CliJsonContext.Default.PublishResult) }] };
        }
        catch (CliException e)
        {
            return McpToolServer.Failure($"{e.Id}: {e.Message}");
        }
        catch (MicroException e)
        {
            return McpToolServer.Failure($"{e.Id} ({e.Code}): {e.Detail}");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return McpToolServer.Failure($"the {publisher.Broker.Name} broker did not accept the message within {timeout.TotalSeconds:0.###}s");
        }
    }
}
