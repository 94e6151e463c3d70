using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Micro.Registry.Mdns;

/// <summary>
/// A node's service record as DNS-SD TXT strings. Readable keys come first (<c>service=</c>, <c>version=</c>,
/// <c>node=</c>, <c>address=</c>) for tools like avahi-browse; the full record (metadata, endpoints) follows as
/// Brotli-compressed JSON in base64 chunks <c>r0=</c>, <c>r1=</c>, ... of at most 255 bytes each, so long
/// endpoint lists fit DNS's string limit and stay well inside one packet.
/// </summary>
public static class MdnsServiceText
{
    private const int ChunkLength = 240;

    /// <summary>The largest record payload accepted (compressed, base64); keeps a response under ~9 KB (RFC 6762 §17).</summary>
    public const int MaxPayload = 8000;

    public static IReadOnlyList<byte[]> Encode(ServiceInfo service)
    {
        var node = service.Nodes.Single();
        var json = JsonSerializer.SerializeToUtf8Bytes(service, RegistryJsonContext.Default.ServiceInfo);
        using var compressed = new MemoryStream();
        using (var brotli = new BrotliStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) brotli.Write(json);
        var payload = Convert.ToBase64String(compressed.GetBuffer(), 0, (int)compressed.Length);
        if (payload.Length > MaxPayload)
            throw new ArgumentException($"service {service.Name} is too large for mDNS ({payload.Length} bytes encoded; the limit is {MaxPayload}): use fewer endpoints or less metadata");
        var strings = new List<byte[]>
        {
            Encoding.UTF8.GetBytes("txtvers=1"),
            Encoding.UTF8.GetBytes("service=" + service.Name),
            Encoding.UTF8.GetBytes("version=" + service.Version),
            Encoding.UTF8.GetBytes("node=" + node.Id),
            Encoding.UTF8.GetBytes("address=" + node.Address),
        };
        for (int i = 0, at = 0; at < payload.Length; i++, at += ChunkLength)
            strings.Add(Encoding.ASCII.GetBytes($"r{i}=" + payload.Substring(at, Math.Min(ChunkLength, payload.Length - at))));
        return strings;
    }

    /// <summary>The service record carried by TXT strings, or null when they are not a Micro node's (or are damaged).</summary>
    public static ServiceInfo? Decode(IReadOnlyList<byte[]> strings)
    {
        var chunks = new SortedDictionary<int, string>();
        foreach (var raw in strings)
        {
            var text = Encoding.UTF8.GetString(raw);
            if (text.Length < 3 || text[0] != 'r') continue;
            var eq = text.IndexOf('=');
            if (eq < 2 || !int.TryParse(text.AsSpan(1, eq - 1), System.Globalization.NumberStyles.None, null, out var index)) continue;
            chunks[index] = text[(eq + 1)..];
        }
        if (chunks.Count == 0 || chunks.Keys.Last() != chunks.Count - 1) return null;
        try
        {
            var compressed = Convert.FromBase64String(string.Concat(chunks.Values));
            using var input = new BrotliStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var json = new MemoryStream();
            input.CopyTo(json);
            if (json.Length > 1024 * 1024) return null;
            var service = JsonSerializer.Deserialize(json.ToArray(), RegistryJsonContext.Default.ServiceInfo);
            return service is { Nodes.Count: 1 } ? service : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidDataException or IOException)
        {
            return null;
        }
    }
}
