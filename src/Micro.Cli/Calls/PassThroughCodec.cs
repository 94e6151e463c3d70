using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Micro.Codec;

namespace Micro.Cli.Calls;

/// <summary>
/// A codec that copies <see cref="RawPayload"/> bytes through untouched and hands every other type to <paramref name="inner"/>.
/// Registered under the inner codec's content-type, so a call with <c>ContentType = "application/json"</c> sends the
/// <c>micro-content-type: application/json</c> header and the server decodes the bytes with its own JSON codec.
/// </summary>
public sealed class PassThroughCodec(ICodec inner) : ICodec
{
    /// <inheritdoc/>
    public string ContentType => inner.ContentType;

    /// <inheritdoc/>
    public bool CanHandle(Type type) => type == typeof(RawPayload) || inner.CanHandle(type);

    /// <inheritdoc/>
    public void Write<T>(T value, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (value is RawPayload raw) output.Write(raw.Bytes.Span);
        else inner.Write(value, output);
    }

    // Implemented explicitly too: for an `in` parameter the compiler would otherwise add a bridge method without the
    // trimming annotation, and the AOT compiler rejects the mismatch (IL2095).
    T ICodec.Read<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(in ReadOnlySequence<byte> input) => Read<T>(input);

    /// <inheritdoc/>
    public T Read<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(in ReadOnlySequence<byte> input)
    {
        if (typeof(T) == typeof(RawPayload)) return (T)(object)new RawPayload(input.ToArray());
        return inner.Read<T>(input);
    }
}
