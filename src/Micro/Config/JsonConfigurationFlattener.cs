using System.Globalization;
using System.Text.Json;

namespace Micro.Config;

/// <summary>JSON to configuration keys, as Microsoft.Extensions.Configuration.Json does it: objects nest with ':', arrays by index.</summary>
internal static class JsonConfigurationFlattener
{
    public static Dictionary<string, string?> Flatten(ReadOnlyMemory<byte> json)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("the top level of a configuration file must be an object");
        Visit(document.RootElement, null, data);
        return data;
    }

    private static void Visit(JsonElement element, string? prefix, Dictionary<string, string?> data)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject()) Visit(property.Value, prefix is null ? property.Name : prefix + ":" + property.Name, data);
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) Visit(item, prefix + ":" + (i++).ToString(CultureInfo.InvariantCulture), data);
                break;
            case JsonValueKind.Null:
                data[prefix!] = null;
                break;
            default:
                data[prefix!] = element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
                break;
        }
    }
}
