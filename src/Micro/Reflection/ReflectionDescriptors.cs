using Google.Protobuf;
using Google.Protobuf.Reflection;
using Micro.Codec;
using Micro.Server;
using Micro.Server.Internal;
using MethodType = Grpc.Core.MethodType;

namespace Micro.Reflection;

/// <summary>
/// The protobuf files that describe what this node serves, by file name and by symbol. A gRPC service whose
/// endpoints all use protobuf messages declared by a .proto that also declares the service (the usual protoc case) is
/// described by that real file. Anything else - JSON endpoints, endpoints bound without a service in their .proto - is
/// described by one generated file per Micro service, <c>micro/{service}.proto</c>, whose comments say how to call it.
/// Built once, at the first reflection request.
/// </summary>
internal sealed class ReflectionDescriptors
{
    private readonly Dictionary<string, ByteString> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _imports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _symbols = new(StringComparer.Ordinal);
    private readonly List<string> _services = [];

    public ReflectionDescriptors(string service, HandlerTable handlers, CodecRegistry codecs, IEnumerable<FileDescriptor> builtIn)
    {
        var json = codecs.Find(JsonCodec.MediaType) as JsonCodec;
        foreach (var file in builtIn)
        {
            Add(file);
            _services.AddRange(file.Services.Select(s => s.FullName));
        }

        var generated = new List<(string GrpcService, List<HandlerDescriptor> Handlers)>();
        foreach (var group in handlers.All.GroupBy(h => EndpointPath.For(service, h.Endpoint).GrpcService))
        {
            _services.Add(group.Key);
            var real = RealServiceFile(group.Key, service, group.ToList());
            if (real is not null) Add(real);
            else generated.Add((group.Key, group.ToList()));
        }
        if (generated.Count > 0) AddGenerated(service, generated, json);
    }

    /// <summary>Every gRPC service this node answers.</summary>
    public IReadOnlyList<string> Services => _services;

    /// <summary>The generated file's name for <paramref name="service"/>.</summary>
    public static string GeneratedFileName(string service) => $"micro/{service}.proto";

    /// <summary>The file named <paramref name="name"/> followed by everything it imports, or null.</summary>
    public IReadOnlyList<ByteString>? FileWithImports(string name)
    {
        if (!_files.ContainsKey(name)) return null;
        var result = new List<ByteString>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([name]);
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next) || !_files.TryGetValue(next, out var bytes)) continue;
            result.Add(bytes);
            foreach (var import in _imports[next]) pending.Push(import);
        }
        return result;
    }

    /// <summary>The file declaring <paramref name="symbol"/> (a message, enum, service, method or field), or null.</summary>
    public string? FileOf(string symbol)
    {
        // "pkg.Service.Method" and "pkg.Message.field" resolve to the file of their parent.
        for (var name = symbol; name.Length > 0; name = name[..Math.Max(0, name.LastIndexOf('.'))])
        {
            if (_symbols.TryGetValue(name, out var file)) return file;
            if (name.LastIndexOf('.') < 0) break;
        }
        return null;
    }

    /// <summary>True when <paramref name="fullName"/> names a message this node describes.</summary>
    public bool IsMessage(string fullName) => _symbols.ContainsKey(fullName);

    private FileDescriptor? RealServiceFile(string grpcService, string service, List<HandlerDescriptor> group)
    {
        var files = group.SelectMany(h => new[] { h.RequestProto, h.ResponseProto }).ToList();
        if (files.Any(d => d is null)) return null;
        foreach (var file in files.Select(d => d!.File).Distinct())
        {
            var declared = file.Services.FirstOrDefault(s => s.FullName == grpcService);
            if (declared is null) continue;
            var matches = group.All(h =>
            {
                var method = declared.FindMethodByName(EndpointPath.For(service, h.Endpoint).Method);
                return method is not null
                    && method.InputType.FullName == h.RequestProto!.FullName
                    && method.OutputType.FullName == h.ResponseProto!.FullName
                    && method.IsClientStreaming == h.Stream is "client" or "bidi"
                    && method.IsServerStreaming == h.Stream is "server" or "bidi";
            });
            return matches ? file : null;
        }
        return null;
    }

    private void Add(FileDescriptor file)
    {
        if (_files.ContainsKey(file.Name)) return;
        _files[file.Name] = file.SerializedData;
        _imports[file.Name] = file.Dependencies.Select(d => d.Name).ToList();
        foreach (var dependency in file.Dependencies) Add(dependency);
        foreach (var message in file.MessageTypes) AddMessage(message, file.Name);
        foreach (var e in file.EnumTypes) _symbols.TryAdd(e.FullName, file.Name);
        foreach (var s in file.Services) _symbols.TryAdd(s.FullName, file.Name);
    }

    private void AddMessage(MessageDescriptor message, string file)
    {
        _symbols.TryAdd(message.FullName, file);
        foreach (var nested in message.NestedTypes) AddMessage(nested, file);
        foreach (var e in message.EnumTypes) _symbols.TryAdd(e.FullName, file);
    }

    private void AddGenerated(string service, List<(string GrpcService, List<HandlerDescriptor> Handlers)> services, JsonCodec? json)
    {
        var name = GeneratedFileName(service);
        var describer = new JsonMessageDescriber(service, t => json?.TypeInfoOf(t), new ProtobufTypes(services.SelectMany(s => s.Handlers)).DescriptorOf, _symbols.ContainsKey);
        var file = new FileDescriptorProto { Name = name, Package = service, Syntax = "proto3", SourceCodeInfo = new SourceCodeInfo() };
        foreach (var (grpcService, handlers) in services)
        {
            var proto = new ServiceDescriptorProto { Name = grpcService[(grpcService.LastIndexOf('.') + 1)..] };
            var jsonMethods = new List<string>();
            foreach (var handler in handlers)
            {
                var isJson = handler.RequestProto is null || handler.ResponseProto is null;
                if (isJson) jsonMethods.Add(EndpointPath.For(service, handler.Endpoint).Method);
                proto.Method.Add(new MethodDescriptorProto
                {
                    Name = EndpointPath.For(service, handler.Endpoint).Method,
                    InputType = describer.MessageFor(handler.RequestType),
                    OutputType = describer.MessageFor(handler.ResponseType),
                    ClientStreaming = handler.Stream is "client" or "bidi",
                    ServerStreaming = handler.Stream is "server" or "bidi",
                });
            }
            file.SourceCodeInfo.Location.Add(new SourceCodeInfo.Types.Location
            {
                Path = { FileDescriptorProto.ServiceFieldNumber, file.Service.Count },
                Span = { 0, 0, 0 },
                LeadingComments = jsonMethods.Count == 0
                    ? $" Micro service \"{service}\": protobuf messages, callable with any gRPC client.\n"
                    : $" Micro service \"{service}\". {string.Join(", ", jsonMethods)} take and return JSON, not protobuf binary: call them with\n" +
                      " content-type application/grpc+json (or POST JSON to /" + grpcService + "/<Method>). The messages below show their JSON fields.\n",
            });
            file.Service.Add(proto);
        }
        file.MessageType.Add(describer.Messages);
        file.Dependency.Add(describer.Imports.Select(f => f.Name).Distinct());
        foreach (var import in describer.Imports) Add(import);
        _files[name] = file.ToByteString();
        _imports[name] = file.Dependency.ToList();
        foreach (var message in describer.Messages) _symbols.TryAdd(service + "." + message.Name, name);
        foreach (var s in file.Service) _symbols.TryAdd(service + "." + s.Name, name);
    }
}
