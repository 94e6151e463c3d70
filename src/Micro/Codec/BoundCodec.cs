using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Micro.Codec;

/// <summary>
/// One codec's methods for one type, bound once. <see cref="ICodec"/>'s methods are generic and virtual: each such call
/// resolves its target through the runtime's dispatch cache (<c>VirtualDispatchHelpers</c> in a profile of
/// <c>bench/run.sh rpc</c>), and a call makes six (size, write and read, at each end). The marshallers call these
/// delegates instead, resolved once when a method is built.
/// </summary>
internal sealed class BoundCodec<[DynamicallyAccessedMembers(MessageType.Members)] T>
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

    // The last codec a caller chose instead of this one (e.g. JSON over gRPC), bound once as well; one is kept, so a
    // caller alternating codecs costs a bind per change, never unbounded memory.
    private BoundCodec<T>? _chosen;

    /// <summary>This codec, or <paramref name="chosen"/> bound for <typeparamref name="T"/> when the call chose another one.</summary>
    public BoundCodec<T> Or(ICodec? chosen)
    {
        if (chosen is null || ReferenceEquals(chosen, Codec)) return this;
        var bound = Volatile.Read(ref _chosen);
        if (bound is null || !ReferenceEquals(bound.Codec, chosen)) Volatile.Write(ref _chosen, bound = new BoundCodec<T>(chosen));
        return bound;
    }

    public T Read(in ReadOnlySequence<byte> input) => _read(input);

    public void Write(T value, IBufferWriter<byte> output) => _write(value, output);

    public int? SizeOf(T value) => _sizeOf(value);
}
