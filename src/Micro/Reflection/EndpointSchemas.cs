using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Schema;
using Google.Protobuf.Reflection;
using Micro.Codec;
using Micro.Registry;
using Micro.Server.Internal;

namespace Micro.Reflection;

/// <summary>
/// Adds each endpoint's request and response shape to its registry record, so the CLI and dashboard can build forms
/// without a reflection call: <c>request_schema</c> / <c>response_schema</c> hold a compact JSON Schema of the JSON the
/// endpoint takes (the protobuf JSON mapping for protobuf messages), and <c>request_proto</c> / <c>response_proto</c>
/// the message's full protobuf name (its descriptor comes from reflection). Records travel in mDNS TXT records, so the
/// schemas of one service share a budget; past it an endpoint says <c>schema=reflection</c> instead.
/// </summary>
internal sealed class EndpointSchemas(CodecRegistry codecs, ReflectionOptions options)
{
    /// <summary>Schema text per service record (mDNS carries at most ~8 KB per record, compressed).</summary>
    internal const int Budget = 3000;
    private const int MaxDepth = 4;

    public List<EndpointInfo> Describe(IReadOnlyList<HandlerDescriptor> handlers)
    {
        var result = new List<EndpointInfo>(handlers.Count);
        var left = Budget;
        foreach (var handler in handlers)
        {
            var endpoint = handler.ToEndpointInfo();
            if (!options.RegistrySchemas)
            {
                result.Add(endpoint);
                continue;
            }
            var metadata = new Dictionary<string, string>(endpoint.Metadata);
            var request = SchemaOf(handler.RequestType, handler.RequestProto);
            var response = SchemaOf(handler.ResponseType, handler.ResponseProto);
            if (request is not null && response is not null && request.Length + response.Length <= left)
            {
                metadata["request_schema"] = request;
                metadata["response_schema"] = response;
                left -= request.Length + response.Length;
            }
            else
            {
                metadata["schema"] = "reflection";
            }
            if (handler.RequestProto is { } req) metadata["request_proto"] = req.FullName;
            if (handler.ResponseProto is { } res) metadata["response_proto"] = res.FullName;
            result.Add(endpoint with { Metadata = metadata });
        }
        return result;
    }

    /// <summary>The compact JSON Schema of what <paramref name="type"/> looks like as JSON, or null when nothing describes it.</summary>
    internal string? SchemaOf(Type type, MessageDescriptor? proto)
    {
        if (proto is { } message)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer)) WriteMessage(json, message, 0);
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        if ((codecs.Find(JsonCodec.MediaType) as JsonCodec)?.TypeInfoOf(type) is { } info)
            return JsonSchemaExporter.GetJsonSchemaAsNode(info).ToJsonString();
        return null;
    }

    private static void WriteMessage(Utf8JsonWriter json, MessageDescriptor message, int depth)
    {
        json.WriteStartObject();
        json.WriteString("type", "object");
        if (depth < MaxDepth)
        {
            json.WriteStartObject("properties");
            foreach (var field in message.Fields.InDeclarationOrder())
            {
                json.WritePropertyName(field.JsonName);
                if (field.IsMap)
                {
                    json.WriteStartObject();
                    json.WriteString("type", "object");
                    json.WritePropertyName("additionalProperties");
                    WriteValue(json, field.MessageType.FindFieldByNumber(2), depth + 1);
                    json.WriteEndObject();
                }
                else if (field.IsRepeated)
                {
                    json.WriteStartObject();
                    json.WriteString("type", "array");
                    json.WritePropertyName("items");
                    WriteValue(json, field, depth + 1);
                    json.WriteEndObject();
                }
                else
                {
                    WriteValue(json, field, depth + 1);
                }
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, FieldDescriptor field, int depth)
    {
        switch (field.FieldType)
        {
            case FieldType.Message when field.MessageType.FullName is "google.protobuf.Timestamp" or "google.protobuf.Duration":
                Scalar(json, "string");
                break;
            case FieldType.Message:
                WriteMessage(json, field.MessageType, depth);
                break;
            case FieldType.Enum:
                json.WriteStartObject();
                json.WriteString("type", "string");
                json.WriteStartArray("enum");
                foreach (var value in field.EnumType.Values) json.WriteStringValue(value.Name);
                json.WriteEndArray();
                json.WriteEndObject();
                break;
            case FieldType.Bool:
                Scalar(json, "boolean");
                break;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.UInt32 or FieldType.Fixed32:
                Scalar(json, "integer");
                break;
            case FieldType.Float or FieldType.Double:
                Scalar(json, "number");
                break;
            default: // strings, bytes (base64), and 64-bit integers, which protobuf's JSON mapping writes as strings
                Scalar(json, "string");
                break;
        }
    }

    private static void Scalar(Utf8JsonWriter json, string type)
    {
        json.WriteStartObject();
        json.WriteString("type", type);
        json.WriteEndObject();
    }
}
