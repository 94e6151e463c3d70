using Google.Protobuf.Reflection;
using Micro.Server.Internal;

namespace Micro.Reflection;

/// <summary>
/// The protobuf message types a node's handlers know, by CLR type: their request and response messages and every
/// message declared in their files or the files those import. A plain type's property of a message type resolves
/// here; descriptors come from the handlers (taken where the type is generic), never by activating a <see cref="Type"/>.
/// </summary>
internal sealed class ProtobufTypes
{
    private readonly Dictionary<Type, MessageDescriptor> _byType = [];
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);

    public ProtobufTypes(IEnumerable<HandlerDescriptor> handlers)
    {
        foreach (var handler in handlers)
        {
            if (handler.RequestProto is { } request) AddFile(request.File);
            if (handler.ResponseProto is { } response) AddFile(response.File);
        }
    }

    /// <summary>The descriptor of <paramref name="type"/>, or null when it is not a message these handlers know.</summary>
    public MessageDescriptor? DescriptorOf(Type type) => _byType.GetValueOrDefault(type);

    private void AddFile(FileDescriptor file)
    {
        if (!_files.Add(file.Name)) return;
        foreach (var message in file.MessageTypes) AddMessage(message);
        foreach (var dependency in file.Dependencies) AddFile(dependency);
    }

    private void AddMessage(MessageDescriptor message)
    {
        if (message.ClrType is { } clr) _byType.TryAdd(clr, message);
        foreach (var nested in message.NestedTypes) AddMessage(nested);
    }
}
