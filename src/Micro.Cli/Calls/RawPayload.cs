namespace Micro.Cli.Calls;

/// <summary>
/// A request or reply kept as the bytes its codec wrote. The tool has none of a service's .NET types, so it sends the
/// user's JSON as it is and lets the service decode it (protobuf messages through protobuf's JSON mapping).
/// </summary>
public sealed class RawPayload(ReadOnlyMemory<byte> bytes)
{
    /// <summary>The encoded message.</summary>
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    /// <summary>The bytes as UTF-8 text.</summary>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(Bytes.Span);
}
