using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Micro.Reflection;

/// <summary>The descriptor of a protobuf message type known only as a <see cref="Type"/> (handler tables keep types).</summary>
internal static class ProtobufTypes
{
    public static MessageDescriptor? DescriptorOf(Type type) =>
        typeof(IMessage).IsAssignableFrom(type) ? Create(type).Descriptor : null;

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2067",
        Justification = "Generated protobuf messages keep their parameterless constructor (their Parser references it), as ProtobufCodec relies on.")]
    private static IMessage Create(Type type) => (IMessage)Activator.CreateInstance(type)!;
}
