using System.Text;
using System.Text.Json;
using Micro.Cli.Output;

namespace Micro.Cli.Calls;

/// <summary>Checks the JSON a user typed before it goes anywhere, so a typo is a local usage error, not a remote one.</summary>
public static class JsonInput
{
    /// <summary>Largest request the tool sends (the servers' default limit is 4 MiB).</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    /// <summary>The UTF-8 bytes of <paramref name="text"/> when it is one well-formed JSON value.</summary>
    /// <exception cref="CliException">Exit code 2, <c>cli.json.malformed</c>, naming where the JSON broke.</exception>
    public static RawPayload Parse(string text, string what = "request")
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > MaxBytes)
            throw CliException.Usage("cli.json.too_large", $"the {what} is {bytes.Length} bytes; the limit is {MaxBytes}");
        try
        {
            using var _ = JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException e)
        {
            throw CliException.Usage("cli.json.malformed", $"malformed JSON {what}: {FirstLine(e.Message)}");
        }
        return new RawPayload(bytes);
    }

    /// <summary>Re-indents a JSON reply for people; returns it unchanged when it is not JSON.</summary>
    public static string Pretty(RawPayload reply, bool indented)
    {
        ArgumentNullException.ThrowIfNull(reply);
        try
        {
            using var document = JsonDocument.Parse(reply.Bytes, Options);
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
                document.WriteTo(writer);
            return Encoding.UTF8.GetString(stream.ToArray());
        }
        catch (JsonException)
        {
            return reply.ToString();
        }
    }

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim();
    }
}
