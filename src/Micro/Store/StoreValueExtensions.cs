using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Micro.Codec;

namespace Micro.Store;

/// <summary>Typed values on top of <see cref="IStore"/>: encode with a codec (JSON unless told otherwise).</summary>
public static class StoreValueExtensions
{
    private static readonly JsonCodec DefaultCodec = new();

    /// <summary>The value at <paramref name="key"/> decoded as <typeparamref name="T"/>, or default when missing.</summary>
    public static async ValueTask<T?> ReadValueAsync<
        [DynamicallyAccessedMembers(MessageType.Members)] T>(this IStore store, string key, StoreScope? scope = null, ICodec? codec = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var options = scope is null ? null : new ReadOptions { Database = scope.Database, Table = scope.Table };
        var records = await store.ReadAsync(key, options, cancellationToken).ConfigureAwait(false);
        return records.Count == 0 ? default : (codec ?? DefaultCodec).Read<T>(new ReadOnlySequence<byte>(records[0].Value));
    }

    /// <summary>Encodes <paramref name="value"/> and writes it; returns the new version.</summary>
    public static ValueTask<long> WriteValueAsync<T>(this IStore store, string key, T value, WriteOptions? options = null, ICodec? codec = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var buffer = new ArrayBufferWriter<byte>();
        (codec ?? DefaultCodec).Write(value, buffer);
        return store.WriteAsync(new StoreRecord { Key = key, Value = buffer.WrittenMemory }, options, cancellationToken);
    }
}
