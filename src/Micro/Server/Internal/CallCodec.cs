using Micro.Codec;

namespace Micro.Server.Internal;

/// <summary>
/// The codec chosen for the current gRPC call. grpc-dotnet binds one marshaller per method and gives it
/// no access to the request, so a middleware in front of the gRPC endpoint records the caller's choice
/// (<c>application/grpc+json</c>, or the <c>micro-content-type</c> header) here and the marshaller reads it.
/// Null means the type's natural codec; the common case sets nothing.
/// </summary>
internal static class CallCodec
{
    public const string Header = "micro-content-type";
    private static readonly AsyncLocal<ICodec?> s_current = new();

    public static ICodec? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }
}
