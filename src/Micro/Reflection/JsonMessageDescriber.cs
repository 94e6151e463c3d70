using System.Text;
using System.Text.Json.Serialization.Metadata;
using Google.Protobuf.Reflection;
using Type = System.Type;
using FieldType = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;
using FieldLabel = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label;

namespace Micro.Reflection;

/// <summary>
/// Describes plain .NET (JSON) types as protobuf messages for reflection: one field per JSON property, named as on the
/// wire, numbered in declaration order, with the proto type JSON maps it to. The descriptor tells tools the shape; the
/// messages travel as JSON (content-type <c>application/grpc+json</c>), which the generated file's comments say.
/// </summary>
internal sealed class JsonMessageDescriber(string package, Func<Type, JsonTypeInfo?> typeInfo, Func<Type, MessageDescriptor?> protobuf,
    Func<string, bool> taken)
{
    private const int MaxFields = 500;
    private readonly Dictionary<Type, string> _names = [];
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>The messages generated so far, in the order they were first needed.</summary>
    public List<DescriptorProto> Messages { get; } = [];

    /// <summary>Real protobuf files the generated messages refer to.</summary>
    public HashSet<FileDescriptor> Imports { get; } = [];

    /// <summary>The fully qualified message name (".pkg.Name") describing <paramref name="type"/>.</summary>
    public string MessageFor(Type type)
    {
        if (protobuf(type) is { } real)
        {
            Imports.Add(real.File);
            return "." + real.FullName;
        }
        if (_names.TryGetValue(type, out var known)) return known;
        var name = UniqueName(type);
        var full = "." + package + "." + name;
        _names[type] = full; // before the fields: a type that contains itself refers to its own name
        var message = new DescriptorProto { Name = name };
        Messages.Add(message);
        var info = typeInfo(type);
        if (info is { Kind: JsonTypeInfoKind.Object })
        {
            var number = 1;
            foreach (var property in info.Properties.Take(MaxFields))
                message.Field.Add(Field(message, property.Name, number++, property.PropertyType));
        }
        else
        {
            // A top-level list, dictionary or scalar: one field that holds it.
            message.Field.Add(Field(message, "value", 1, type));
        }
        return full;
    }

    private FieldDescriptorProto Field(DescriptorProto owner, string name, int number, Type type)
    {
        var field = new FieldDescriptorProto { Name = name, JsonName = name, Number = number, Label = FieldLabel.Optional };
        type = Nullable.GetUnderlyingType(type) ?? type;
        var info = Scalar(type) is null && protobuf(type) is null ? typeInfo(type) : null;
        if (info is { Kind: JsonTypeInfoKind.Dictionary, KeyType: { } key, ElementType: { } value } && Scalar(key) is FieldType.String or FieldType.Int32 or FieldType.Int64
            && typeInfo(value)?.Kind is not (JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary))
        {
            var entry = new DescriptorProto { Name = Pascal(name) + "Entry", Options = new MessageOptions { MapEntry = true } };
            entry.Field.Add(Field(entry, "key", 1, key));
            entry.Field.Add(Field(entry, "value", 2, value));
            owner.NestedType.Add(entry);
            field.Label = FieldLabel.Repeated;
            field.Type = FieldType.Message;
            field.TypeName = "." + package + "." + owner.Name + "." + entry.Name;
            return field;
        }
        if (info is { Kind: JsonTypeInfoKind.Enumerable, ElementType: { } element } && type != typeof(byte[]))
        {
            field.Label = FieldLabel.Repeated;
            type = Nullable.GetUnderlyingType(element) ?? element;
            if (typeInfo(type)?.Kind is JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary && Scalar(type) is null)
            {
                field.Type = FieldType.String; // a list of lists has no protobuf shape; say "JSON text" rather than lie
                return field;
            }
        }
        if (Scalar(type) is { } scalar)
        {
            field.Type = scalar;
            return field;
        }
        field.Type = FieldType.Message;
        field.TypeName = MessageFor(type);
        return field;
    }

    private static FieldType? Scalar(Type type)
    {
        if (type.IsEnum) return FieldType.Int32; // System.Text.Json writes enums as numbers unless told otherwise
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => FieldType.Bool,
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 => FieldType.Int32,
            TypeCode.UInt32 => FieldType.Uint32,
            TypeCode.Int64 => FieldType.Int64,
            TypeCode.UInt64 => FieldType.Uint64,
            TypeCode.Single => FieldType.Float,
            TypeCode.Double or TypeCode.Decimal => FieldType.Double,
            TypeCode.String or TypeCode.Char or TypeCode.DateTime => FieldType.String,
            _ when type == typeof(byte[]) => FieldType.Bytes,
            _ when type == typeof(Guid) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(DateOnly)
                || type == typeof(TimeOnly) || type == typeof(Uri) => FieldType.String,
            _ => null,
        };
    }

    private string UniqueName(Type type)
    {
        var baseName = Identifier(type.Name);
        var name = baseName;
        for (var i = 2; !_used.Add(name) || taken(package + "." + name); i++) name = baseName + "Json" + (i == 2 ? "" : i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return name;
    }

    private static string Identifier(string name)
    {
        var tick = name.IndexOf('`');
        if (tick > 0) name = name[..tick];
        var text = new StringBuilder(name.Length);
        foreach (var c in name) text.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        if (text.Length == 0 || char.IsAsciiDigit(text[0])) text.Insert(0, 'T');
        return text.ToString();
    }

    private static string Pascal(string name) => name.Length == 0 ? "Field" : char.ToUpperInvariant(name[0]) + Identifier(name[1..]);
}
