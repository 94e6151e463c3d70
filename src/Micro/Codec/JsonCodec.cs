using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Google.Protobuf;
using Micro.Errors;

namespace Micro.Codec;

/// <summary>
/// JSON (<c>application/json</c>). Plain .NET types go through System.Text.Json with the type info from
/// <see cref="JsonSerializerOptions.TypeInfoResolver"/>: register a source-generated
/// <c>JsonSerializerContext</c> for NativeAOT. Protobuf messages use protobuf's canonical JSON mapping.
/// </summary>
public sealed class JsonCodec : ICodec
{
    public const string MediaType = "application/json";
    private static readonly JsonParser ProtoParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private readonly JsonSerializerOptions _options;

    public JsonCodec(JsonSerializerOptions? options = null)
    {
        _options = options ?? DefaultOptions();
        _options.MakeReadOnly();
    }

    public string ContentType => MediaType;

    public bool CanHandle(Type type) => true;

    public void Write<T>(T value, IBufferWriter<byte> output)
    {
        if (value is IMessage message)
        {
            // Protobuf's formatter writes spaced text; re-emit it compact so both paths look alike on the wire.
            using var document = JsonDocument.Parse(JsonFormatter.Default.Format(message));
            using var compact = new Utf8JsonWriter(output);
            document.WriteTo(compact);
            return;
        }
        using var writer = new Utf8JsonWriter(output);
        JsonSerializer.Serialize(writer, value, TypeInfo<T>());
    }

    public T Read<T>(in ReadOnlySequence<byte> input)
    {
        try
        {
            if (typeof(IMessage).IsAssignableFrom(typeof(T)))
            {
                var text = System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, input);
                var descriptor = ProtobufCodec.ProtobufFactory<T>.Create().Descriptor;
                return (T)ProtoParser.Parse(text, descriptor);
            }
            var reader = new Utf8JsonReader(input);
            var value = JsonSerializer.Deserialize(ref reader, TypeInfo<T>());
            return value ?? throw new JsonException("null is not a valid " + typeof(T).Name);
        }
        catch (Exception e) when (e is JsonException or InvalidProtocolBufferException or InvalidOperationException or FormatException or IOException or ArgumentException)
        {
            throw new MicroException(ErrorCodes.MalformedPayload, 400, $"malformed JSON for {typeof(T).Name}: {e.Message}");
        }
    }

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reflection fallback for apps that do not register a JsonSerializerContext; AOT apps pass options with their context.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "as above")]
    private static JsonSerializerOptions DefaultOptions() => new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };
}
