using System.Text.Json;
using Micro.Registry;

namespace Micro.Cli.Calls;

/// <summary>
/// The JSON Schema of an endpoint's request or response, when its service publishes one in the endpoint's registry
/// metadata (<c>request.schema</c> / <c>response.schema</c>, JSON Schema text). The dashboard builds its form from it
/// and the MCP server hands it to agents as the tool's input schema.
/// </summary>
public static class EndpointSchema
{
    /// <summary>Metadata keys tried, in order, for the request's schema.</summary>
    public static readonly string[] RequestKeys = ["request.schema", "request_schema", "requestSchema"];

    /// <summary>Metadata keys tried, in order, for the response's schema.</summary>
    public static readonly string[] ResponseKeys = ["response.schema", "response_schema", "responseSchema"];

    /// <summary>Largest schema accepted from the registry (it is network input).</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>The request schema as a JSON object, or null when absent or not a JSON object.</summary>
    public static JsonElement? Request(EndpointInfo endpoint) => Find(endpoint, RequestKeys);

    /// <summary>The response schema as a JSON object, or null.</summary>
    public static JsonElement? Response(EndpointInfo endpoint) => Find(endpoint, ResponseKeys);

    private static JsonElement? Find(EndpointInfo endpoint, string[] keys)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        foreach (var key in keys)
        {
            if (!endpoint.Metadata.TryGetValue(key, out var text) || text.Length > MaxLength) continue;
            try
            {
                using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 32 });
                if (document.RootElement.ValueKind == JsonValueKind.Object) return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // A schema that does not parse is as good as none: the caller falls back to free-form JSON.
            }
        }
        return null;
    }
}
