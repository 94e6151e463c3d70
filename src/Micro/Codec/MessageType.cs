using System.Diagnostics.CodeAnalysis;

namespace Micro.Codec;

/// <summary>
/// What a type that codecs decode keeps when an app is trimmed: its public parameterless constructor (a protobuf
/// message is created empty, then parsed). Every generic parameter that reaches <see cref="ICodec.Read{T}"/> carries it.
/// </summary>
internal static class MessageType
{
    public const DynamicallyAccessedMemberTypes Members = DynamicallyAccessedMemberTypes.PublicParameterlessConstructor;
}
