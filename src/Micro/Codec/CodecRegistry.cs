using Micro.Errors;

namespace Micro.Codec;

/// <summary>
/// Picks a codec by content-type. <c>application/grpc</c> (no suffix) means "the type's natural codec":
/// protobuf for protobuf messages, JSON for everything else.
/// </summary>
public sealed class CodecRegistry
{
    private readonly Dictionary<string, ICodec> _byContentType = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A registry of <paramref name="codecs"/>, plus protobuf and JSON when they are not among them.</summary>
    public CodecRegistry(IEnumerable<ICodec> codecs)
    {
        foreach (var codec in codecs) Add(codec);
        Protobuf = Find(ProtobufCodec.MediaType) ?? new ProtobufCodec();
        Json = Find(JsonCodec.MediaType) ?? new JsonCodec();
        // Common aliases of the two built-in media types.
        _byContentType.TryAdd("application/x-protobuf", Protobuf);
        _byContentType.TryAdd("application/proto", Protobuf);
        _byContentType.TryAdd("proto", Protobuf);
        _byContentType.TryAdd("protobuf", Protobuf);
        _byContentType.TryAdd("json", Json);
        _byContentType.TryAdd("text/json", Json);
    }

    /// <summary>Protobuf and JSON (JSON without any registered context: protobuf messages only).</summary>
    public CodecRegistry() : this([new ProtobufCodec(), new JsonCodec()]) { }

    /// <summary>The protobuf codec.</summary>
    public ICodec Protobuf { get; }
    /// <summary>The JSON codec.</summary>
    public ICodec Json { get; }

    /// <summary>Adds or replaces the codec for its content-type.</summary>
    public void Add(ICodec codec) => _byContentType[codec.ContentType] = codec;

    /// <summary>The natural codec of a type: protobuf for <see cref="Google.Protobuf.IMessage"/>, JSON otherwise.</summary>
    public ICodec For(Type type) => Protobuf.CanHandle(type) ? Protobuf : Json;

    /// <summary><see cref="For(Type)"/> without the per-call type check (hot path).</summary>
    public ICodec For<T>() => IsProtobuf<T>.Value ? Protobuf : Json;

    private static class IsProtobuf<T>
    {
        public static readonly bool Value = typeof(Google.Protobuf.IMessage).IsAssignableFrom(typeof(T));
    }

    /// <summary>The codec for a content-type (parameters such as <c>; charset=utf-8</c> ignored), or null.</summary>
    public ICodec? Find(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return null;
        var semi = contentType.IndexOf(';');
        var media = (semi < 0 ? contentType : contentType[..semi]).Trim();
        return _byContentType.GetValueOrDefault(media);
    }

    /// <summary>Like <see cref="Find"/>, but an unknown content-type is a 415 Micro error.</summary>
    public ICodec Get(string? contentType) => Find(contentType)
        ?? throw new MicroException(ErrorCodes.UnsupportedContentType, 415, $"no codec for content-type '{contentType}' (known: {string.Join(", ", _byContentType.Keys)})");
}
