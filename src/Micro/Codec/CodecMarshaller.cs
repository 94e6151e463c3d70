using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using Micro.Errors;
using Micro.Server.Internal;

namespace Micro.Codec;

/// <summary>
/// gRPC marshallers backed by Micro codecs: they write straight into gRPC's buffer and read from its sequence. When the
/// codec knows the encoded size up front (protobuf does) grpc-dotnet is told, so it writes the message in place
/// instead of into a scratch buffer that it then copies.
/// </summary>
internal static class CodecMarshaller
{
    /// <summary>Client side, requests: the codec is fixed when the call's method is built.</summary>
    public static Marshaller<T> Create<[DynamicallyAccessedMembers(MessageType.Members)] T>(ICodec codec)
    {
        var bound = new BoundCodec<T>(codec);
        return new((value, context) => Write(bound, value, context), context => bound.Read(context.PayloadAsReadOnlySequence()));
    }

    /// <summary>
    /// Client side, responses: a reply that does not decode is the client's problem (its types do not match the
    /// server's), never the node's, so it surfaces as <see cref="ResponseDecodeException"/>.
    /// </summary>
    public static Marshaller<T> Response<[DynamicallyAccessedMembers(MessageType.Members)] T>(ICodec codec)
    {
        var bound = new BoundCodec<T>(codec);
        return new(
            (value, context) => Write(bound, value, context),
            context =>
            {
                try
                {
                    return bound.Read(context.PayloadAsReadOnlySequence());
                }
                catch (MicroException e)
                {
                    throw new ResponseDecodeException(e.Detail);
                }
            });
    }

    /// <summary>Server side: the codec is the caller's choice for this call (see <see cref="CallCodec"/>), else <paramref name="natural"/>.</summary>
    public static Marshaller<T> PerCall<[DynamicallyAccessedMembers(MessageType.Members)] T>(ICodec natural)
    {
        var bound = new BoundCodec<T>(natural);
        return new(
            (value, context) => Write(bound.Or(CallCodec.Current), value, context),
            context =>
            {
                try
                {
                    return bound.Or(CallCodec.Current).Read(context.PayloadAsReadOnlySequence());
                }
                catch (MicroException e)
                {
                    throw GrpcErrorMapping.ToRpcException(e);
                }
            });
    }

    private static void Write<T>(BoundCodec<T> codec, T value, SerializationContext context)
    {
        if (codec.SizeOf(value) is { } size) context.SetPayloadLength(size);
        codec.Write(value, context.GetBufferWriter());
        context.Complete();
    }
}

/// <summary>A reply arrived but could not be decoded as the caller's response type.</summary>
internal sealed class ResponseDecodeException(string detail) : Exception(detail);
