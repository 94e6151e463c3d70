using Grpc.Core;
using Micro.Errors;
using Micro.Server.Internal;

namespace Micro.Codec;

/// <summary>gRPC marshallers backed by Micro codecs: they write straight into gRPC's buffer and read from its sequence.</summary>
internal static class CodecMarshaller
{
    /// <summary>Client side: the codec is fixed when the call's method is built.</summary>
    public static Marshaller<T> Create<T>(ICodec codec) => new(
        (value, context) =>
        {
            codec.Write(value, context.GetBufferWriter());
            context.Complete();
        },
        context => codec.Read<T>(context.PayloadAsReadOnlySequence()));

    /// <summary>Server side: the codec is the caller's choice for this call (see <see cref="CallCodec"/>), else <paramref name="natural"/>.</summary>
    public static Marshaller<T> PerCall<T>(ICodec natural) => new(
        (value, context) =>
        {
            (CallCodec.Current ?? natural).Write(value, context.GetBufferWriter());
            context.Complete();
        },
        context =>
        {
            try
            {
                return (CallCodec.Current ?? natural).Read<T>(context.PayloadAsReadOnlySequence());
            }
            catch (MicroException e)
            {
                throw GrpcErrorMapping.ToRpcException(e);
            }
        });
}
