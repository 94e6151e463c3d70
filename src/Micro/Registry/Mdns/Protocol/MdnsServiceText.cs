using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Micro.Registry.Mdns.Protocol;

/// <summary>
/// A node's service record as DNS-SD TXT strings. Readable keys come first (<c>service=</c>, <c>version=</c>,
/// <c>node=</c>, <c>address=</c>) for tools like avahi-browse; the full record (metadata, endpoints) follows as
/// Brotli-compressed JSON in base64 chunks <c>r0=</c>, <c>r1=</c>, ... of at most 255 bytes each.
/// Decoding is bounded before and while it works: at most <see cref="MaxPayload"/> base64 characters are
/// decoded and inflation stops at <see cref="MaxJson"/> bytes, so a small packet that would inflate to
/// gigabytes costs at most that much.
/// </summary>
internal static class MdnsServiceText
{
    private const int ChunkLength = 240;

    /// <summary>
    /// The largest TXT record data we send: with its name and headers it fits one 1,500-byte MTU packet
    /// (RFC 6762 §17: no fragmentation). Roughly 100 endpoints compress into it.
    /// </summary>
    public const int MaxTextLength = 1300;

    /// <summary>The largest compressed record (base64 characters) a received TXT may carry.</summary>
    public const int MaxPayload = MaxTextLength;

    /// <summary>The largest JSON a received record may inflate to.</summary>
    public const int MaxJson = 64 * 1024;

    /// <summary>
    /// The Brotli window (2^16 bytes, what a 64 KB record needs). The decoder inflates into its window before it
    /// hands bytes out, so a larger window (up to 16 MB) would let one packet cost megabytes of work before the
    /// output limit is reached: larger windows are refused from the stream header.
    /// </summary>
    private const int MaxWindowBits = 16;

    public static IReadOnlyList<byte[]> Encode(ServiceInfo service)
    {
        var node = service.Nodes.Single();
        var json = JsonSerializer.SerializeToUtf8Bytes(service, RegistryJsonContext.Default.ServiceInfo);
        if (json.Length > MaxJson) throw TooLarge(service, json.Length + " bytes of JSON");
        var compressed = new byte[BrotliEncoder.GetMaxCompressedLength(json.Length)];
        using (var encoder = new BrotliEncoder(quality: 11, window: MaxWindowBits))
        {
            if (encoder.Compress(json, compressed, out _, out var written, isFinalBlock: true) != OperationStatus.Done)
                throw new InvalidOperationException("Brotli could not compress the service record");
            Array.Resize(ref compressed, written);
        }
        var payload = Convert.ToBase64String(compressed);
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
        var length = strings.Sum(s => 1 + s.Length);
        if (strings.Any(s => s.Length > 255) || length > MaxTextLength) throw TooLarge(service, length + " bytes of TXT");
        return strings;
    }

    /// <summary>The window size (log2) a Brotli stream declares in its first bits (RFC 7932 §9.1); 0 for a large window.</summary>
    private static int WindowBits(byte first)
    {
        if ((first & 1) == 0) return 16;
        var n = (first >> 1) & 7;
        if (n != 0) return 17 + n;
        var m = (first >> 4) & 7;
        return m switch { 0 => 17, 1 => 0, _ => 8 + m };
    }

    private static ArgumentException TooLarge(ServiceInfo service, string size) =>
        new($"service {service.Name} is too large for mDNS ({size}; the TXT record is at most {MaxTextLength} bytes so it fits one packet): use fewer endpoints or less metadata");

    /// <summary>The service record carried by TXT strings, or null when they are not a Micro node's, are damaged or are too large.</summary>
    public static ServiceInfo? Decode(IReadOnlyList<byte[]> strings)
    {
        // Gather the chunks in order, bounded in count and total length before anything is decoded.
        const int maxChunks = MaxPayload / ChunkLength + 2;
        var chunks = new SortedDictionary<int, byte[]>();
        var total = 0;
        foreach (var raw in strings)
        {
            if (raw.Length < 3 || raw[0] != (byte)'r') continue;
            var eq = Array.IndexOf(raw, (byte)'=');
            if (eq < 2 || eq > 5 || !int.TryParse(raw.AsSpan(1, eq - 1), System.Globalization.NumberStyles.None, null, out var index)) continue;
            total += raw.Length - eq - 1;
            if (total > MaxPayload || chunks.Count >= maxChunks || !chunks.TryAdd(index, raw)) return null;
        }
        if (chunks.Count == 0 || chunks.Keys.Last() != chunks.Count - 1) return null;

        var base64 = new byte[total];
        var at = 0;
        foreach (var raw in chunks.Values)
        {
            var eq = Array.IndexOf(raw, (byte)'=');
            raw.AsSpan(eq + 1).CopyTo(base64.AsSpan(at));
            at += raw.Length - eq - 1;
        }
        var compressed = new byte[total];
        if (System.Buffers.Text.Base64.DecodeFromUtf8(base64, compressed, out _, out var compressedLength) != OperationStatus.Done) return null;
        if (compressedLength == 0 || WindowBits(compressed[0]) is not (>= 10 and <= MaxWindowBits)) return null;

        // Inflate into a fixed buffer: a payload that would grow past MaxJson fails here, having written at most MaxJson bytes.
        var json = ArrayPool<byte>.Shared.Rent(MaxJson);
        try
        {
            // BrotliDecoder.TryDecompress would inflate everything to learn it does not fit; the streaming
            // decoder stops when the buffer is full (DestinationTooSmall), so the work is bounded as well.
            using var decoder = new BrotliDecoder();
            if (decoder.Decompress(compressed.AsSpan(0, compressedLength), json.AsSpan(0, MaxJson), out _, out var jsonLength) != OperationStatus.Done) return null;
            var service = JsonSerializer.Deserialize(json.AsSpan(0, jsonLength), RegistryJsonContext.Default.ServiceInfo);
            return service is { Nodes.Count: 1 } && !string.IsNullOrEmpty(service.Name) && service.Nodes[0] is { Id.Length: > 0, Address: not null } ? service : null;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(json);
        }
    }
}
