using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Micro.Codec;

/// <summary>
/// Turns values into bytes and back for one content-type. Codecs write into a buffer writer and
/// read from a (possibly segmented) sequence, so the transport never needs an intermediate array.
/// </summary>
public interface ICodec
{
    /// <summary>The media type this codec speaks, e.g. <c>application/json</c>.</summary>
    string ContentType { get; }

    /// <summary>Whether values of <paramref name="type"/> can be encoded by this codec.</summary>
    bool CanHandle(Type type);

    /// <summary>Encodes <paramref name="value"/> into <paramref name="output"/>.</summary>
    void Write<T>(T value, IBufferWriter<byte> output);

    /// <summary>The exact encoded size of <paramref name="value"/> when it is cheap to know (lets gRPC write in place), else null.</summary>
    int? SizeOf<T>(T value) => null;

    /// <summary>
    /// Decodes a <typeparamref name="T"/> from <paramref name="input"/>. A codec may create the empty value through its
    /// parameterless constructor (protobuf messages), so that constructor survives trimming.
    /// </summary>
    /// <exception cref="MicroException">400 micro.payload.malformed when the bytes are not a valid <typeparamref name="T"/>.</exception>
    T Read<[DynamicallyAccessedMembers(MessageType.Members)] T>(in ReadOnlySequence<byte> input);
}
