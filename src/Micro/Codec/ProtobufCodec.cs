using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;
using Micro.Errors;

namespace Micro.Codec;

/// <summary>Protocol Buffers for Google.Protobuf <see cref="IMessage"/> types (<c>application/protobuf</c>).</summary>
public sealed class ProtobufCodec : ICodec
{
    /// <summary>The content-type this codec answers to.</summary>
    public const string MediaType = "application/protobuf";

    /// <inheritdoc/>
    public string ContentType => MediaType;

    /// <summary>Only generated protobuf messages (<see cref="IMessage"/>).</summary>
    public bool CanHandle(Type type) => typeof(IMessage).IsAssignableFrom(type);

    /// <inheritdoc/>
    /// <exception cref="MicroException">415 when <typeparamref name="T"/> is not a protobuf message.</exception>
    public void Write<T>(T value, IBufferWriter<byte> output)
    {
        if (value is not IMessage message)
            throw new MicroException(ErrorCodes.UnsupportedContentType, 415, $"{typeof(T).Name} is not a protobuf message");
        message.WriteTo(output);
    }

    /// <inheritdoc/>
    public int? SizeOf<T>(T value) => value is IMessage message ? message.CalculateSize() : null;

    // Implemented explicitly too: for an `in` parameter the compiler would otherwise add a bridge method without the
    // trimming annotation, and the AOT compiler rejects the mismatch (IL2095).
    T ICodec.Read<[DynamicallyAccessedMembers(MessageType.Members)] T>(in ReadOnlySequence<byte> input) => Read<T>(input);

    /// <inheritdoc/>
    public T Read<[DynamicallyAccessedMembers(MessageType.Members)] T>(in ReadOnlySequence<byte> input)
    {
        var parser = ProtobufFactory<T>.Parser;
        try
        {
            return (T)parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new MicroException(ErrorCodes.MalformedPayload, 400, $"malformed {typeof(T).Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Creates empty messages of one type. Generated messages have a public parameterless constructor; the annotation makes
    /// the trimmer keep it for every type that reaches a codec.
    /// </summary>
    internal static class ProtobufFactory<[DynamicallyAccessedMembers(MessageType.Members)] T>
    {
        private static readonly Func<IMessage> s_create = Build();

        // The type's descriptor, and through it the generated parser (its factory is the message's constructor):
        // reflection once per type, not per message.
        private static readonly Google.Protobuf.Reflection.MessageDescriptor? s_descriptor =
            typeof(IMessage).IsAssignableFrom(typeof(T)) ? s_create().Descriptor : null;

        public static IMessage Create() => s_create();

        /// <summary>The message's descriptor, or null when <typeparamref name="T"/> is not a protobuf message.</summary>
        public static Google.Protobuf.Reflection.MessageDescriptor? DescriptorOrNull => s_descriptor;

        /// <exception cref="MicroException">415 when <typeparamref name="T"/> is not a protobuf message.</exception>
        public static Google.Protobuf.Reflection.MessageDescriptor Descriptor => s_descriptor ?? throw NotAMessage();

        /// <exception cref="MicroException">415 when <typeparamref name="T"/> is not a protobuf message.</exception>
        public static MessageParser Parser => Descriptor.Parser;

        private static MicroException NotAMessage() =>
            new(ErrorCodes.UnsupportedContentType, 415, $"{typeof(T).Name} is not a protobuf message");

        private static Func<IMessage> Build()
        {
            if (!typeof(IMessage).IsAssignableFrom(typeof(T)))
                return () => throw NotAMessage();
            return static () => (IMessage)Activator.CreateInstance<T>()!;
        }
    }
}
