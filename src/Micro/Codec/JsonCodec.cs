using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Google.Protobuf;
using Micro.Errors;

namespace Micro.Codec;

/// <summary>
/// JSON (<c>application/json</c>). Plain .NET types go through System.Text.Json with the type info of the
/// source-generated <c>JsonSerializerContext</c>s registered with <c>services.AddMicroJson(MyContext.Default)</c>
/// (NativeAOT-safe), or by reflection after <c>services.AddMicroJsonReflection()</c> (JIT only). A handler type that
/// neither describes is an error when the service starts. Protobuf messages use protobuf's canonical JSON mapping.
/// </summary>
public sealed class JsonCodec : ICodec
{
    /// <summary>The content-type this codec answers to.</summary>
    public const string MediaType = "application/json";
    private static readonly JsonParser ProtoParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private readonly JsonSerializerOptions _options;

    /// <summary>A codec with its own serializer options (they must carry a <see cref="JsonSerializerOptions.TypeInfoResolver"/>).</summary>
    public JsonCodec(JsonSerializerOptions? options = null)
    {
        _options = options ?? OptionsFor([]);
        _options.MakeReadOnly();
    }

    /// <summary>A codec that describes plain types with <paramref name="resolvers"/> (source-generated contexts) only.</summary>
    public JsonCodec(IEnumerable<IJsonTypeInfoResolver> resolvers) : this(OptionsFor(resolvers)) { }

    /// <inheritdoc/>
    public string ContentType => MediaType;

    /// <summary>Protobuf messages, and plain types that a registered context (or, outside NativeAOT, reflection) describes.</summary>
    public bool CanHandle(Type type) => typeof(IMessage).IsAssignableFrom(type) || _options.TryGetTypeInfo(type, out _);

    /// <inheritdoc/>
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

    // Implemented explicitly too: for an `in` parameter the compiler would otherwise add a bridge method without the
    // trimming annotation, and the AOT compiler rejects the mismatch (IL2095).
    T ICodec.Read<[DynamicallyAccessedMembers(MessageType.Members)] T>(in ReadOnlySequence<byte> input) => Read<T>(input);

    /// <inheritdoc/>
    public T Read<[DynamicallyAccessedMembers(MessageType.Members)] T>(in ReadOnlySequence<byte> input)
    {
        var info = typeof(IMessage).IsAssignableFrom(typeof(T)) ? null : TypeInfo<T>();
        try
        {
            if (typeof(IMessage).IsAssignableFrom(typeof(T)))
            {
                var text = System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, input);
                var descriptor = ProtobufCodec.ProtobufFactory<T>.Descriptor;
                return (T)ProtoParser.Parse(text, descriptor);
            }
            var reader = new Utf8JsonReader(input);
            var value = JsonSerializer.Deserialize(ref reader, info!);
            return value ?? throw new JsonException("null is not a valid " + typeof(T).Name);
        }
        catch (Exception e) when (e is JsonException or InvalidProtocolBufferException or InvalidOperationException or FormatException or IOException or ArgumentException)
        {
            throw new MicroException(ErrorCodes.MalformedPayload, 400, $"malformed JSON for {typeof(T).Name}: {e.Message}");
        }
    }

    /// <summary>The type info that describes <paramref name="type"/> (reflection and schemas read it), or null.</summary>
    internal JsonTypeInfo? TypeInfoOf(Type type) => _options.TryGetTypeInfo(type, out var info) ? info : null;

    private JsonTypeInfo<T> TypeInfo<T>() => _options.TryGetTypeInfo(typeof(T), out var info) ? (JsonTypeInfo<T>)info
        : throw new InvalidOperationException(MissingTypeInfoMessage(typeof(T)));

    /// <summary>What to do about a plain type that no registered context describes.</summary>
    internal static string MissingTypeInfoMessage(Type type) =>
        $"no JSON type info for {type.FullName}: add [JsonSerializable(typeof({type.Name}))] to a JsonSerializerContext and call " +
        "services.AddMicroJson(YourContext.Default), or call services.AddMicroJsonReflection() (JIT only, not NativeAOT)";

    private static JsonSerializerOptions OptionsFor(IEnumerable<IJsonTypeInfoResolver> resolvers) => new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine([.. resolvers]),
    };

    /// <summary>
    /// A codec that also describes any type by reflection after <paramref name="resolvers"/>: convenient in JIT apps and
    /// tests, not available under NativeAOT (hence the attributes: the warning reaches the caller's AOT build).
    /// </summary>
    [RequiresUnreferencedCode("Reflection-based JSON; register a JsonSerializerContext with AddMicroJson for trimmed apps.")]
    [RequiresDynamicCode("Reflection-based JSON; register a JsonSerializerContext with AddMicroJson for NativeAOT.")]
    public static JsonCodec WithReflection(IEnumerable<IJsonTypeInfoResolver>? resolvers = null) =>
        new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine([.. resolvers ?? [], new DefaultJsonTypeInfoResolver()]),
        });
}
