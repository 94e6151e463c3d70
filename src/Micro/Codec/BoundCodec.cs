using System.Buffers;

namespace Micro.Codec;

/// <summary>
/// One codec's methods for one type, bound once. <see cref="ICodec"/>'s methods are generic and virtual, and each such
/// call costs a runtime lookup (about as much as the rest of a small message's encoding); a marshaller makes three per
/// message, so it calls these delegates instead, resolved when its method is built.
/// </summary>
internal sealed class BoundCodec<T>
{
    private delegate T Reader(in ReadOnlySequence<byte> input);

    private readonly Reader _read;
    private readonly Action<T, IBufferWriter<byte>> _write;
    private readonly Func<T, int?> _sizeOf;

    public BoundCodec(ICodec codec)
    {
        Codec = codec;
        _read = codec.Read<T>;
        _write = codec.Write<T>;
        _sizeOf = codec.SizeOf<T>;
    }

    public ICodec Codec { get; }

    public T Read(in ReadOnlySequence<byte> input) => _read(input);

    public void Write(T value, IBufferWriter<byte> output) => _write(value, output);

    public int? SizeOf(T value) => _sizeOf(value);
}
