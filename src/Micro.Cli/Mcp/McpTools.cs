using System.Text;
using System.Text.Json;
using Micro.Cli.Calls;
using Micro.Registry;
using ModelContextProtocol.Protocol;

namespace Micro.Cli.Mcp;

/// <summary>
/// The MCP tools for one registry snapshot: every unary endpoint of every service is a tool named
/// <c>{service}.{endpoint}</c> (e.g. <c>greeter.Greeter.Hello</c>), its input schema the endpoint's published request
/// schema or, without one, any JSON object. Streaming endpoints are left out: a tool call is one request, one reply.
/// </summary>
public sealed class McpTools
{
    /// <summary>Longest tool name MCP clients accept.</summary>
    public const int MaxNameLength = 128;

    private static readonly JsonElement AnyObject = JsonDocument.Parse("""{"type":"object","additionalProperties":true}""").RootElement.Clone();

    private McpTools(IReadOnlyList<Tool> tools, IReadOnlyDictionary<string, (string Service, string Endpoint)> targets, string signature)
    {
        Tools = tools;
        Targets = targets;
        Signature = signature;
    }

    /// <summary>No services, no tools.</summary>
    public static McpTools Empty { get; } = new([], new Dictionary<string, (string, string)>(), "");

    /// <summary>The tools, sorted by name.</summary>
    public IReadOnlyList<Tool> Tools { get; }

    /// <summary>Which service and endpoint each tool name calls.</summary>
    public IReadOnlyDictionary<string, (string Service, string Endpoint)> Targets { get; }

    /// <summary>Names, descriptions and schemas in one string: equal signatures mean an unchanged tool list.</summary>
    public string Signature { get; }

    /// <summary>The tools for <paramref name="services"/>.</summary>
    public static McpTools From(IEnumerable<ServiceInfo> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var tools = new SortedDictionary<string, Tool>(StringComparer.Ordinal);
        var targets = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var service in services)
            foreach (var endpoint in service.Endpoints)
            {
                if (JsonCaller.StreamKind(endpoint) is not null) continue;
                var name = ToolName(service.Name, endpoint.Name);
                if (tools.ContainsKey(name)) continue; // another version of the same service: one tool calls any node
                tools[name] = new Tool
                {
                    Name = name,
                    Description = $"Calls endpoint {endpoint.Name} of the Micro service {service.Name} with a JSON request " +
                        $"({Describe(endpoint.Request)} -> {Describe(endpoint.Response)}) and returns its JSON reply.",
                    InputSchema = InputSchema(endpoint),
                };
                targets[name] = (service.Name, endpoint.Name);
            }
        var signature = new StringBuilder();
        foreach (var tool in tools.Values) signature.Append(tool.Name).Append('\n').Append(tool.Description).Append('\n').Append(tool.InputSchema.GetRawText()).Append('\n');
        return new McpTools(tools.Values.ToList(), targets, signature.ToString());
    }

    /// <summary><c>greeter</c> + <c>Greeter.Hello</c> = <c>greeter.Greeter.Hello</c>; characters MCP names do not allow become '_'.</summary>
    public static string ToolName(string service, string endpoint)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(endpoint);
        var name = new StringBuilder(service.Length + endpoint.Length + 1);
        foreach (var c in service + "." + endpoint) name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_');
        return name.Length <= MaxNameLength ? name.ToString() : name.ToString(0, MaxNameLength);
    }

    private static JsonElement InputSchema(EndpointInfo endpoint)
    {
        if (EndpointSchema.Request(endpoint) is { } schema && schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "object")
            return schema;
        return AnyObject;
    }

    private static string Describe(string type) => string.IsNullOrEmpty(type) ? "JSON" : type;
}
