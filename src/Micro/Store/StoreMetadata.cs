using System.Text.Json;

namespace Micro.Store;

/// <summary>Record metadata as stored text (JSON); most records have none, which costs nothing.</summary>
internal static class StoreMetadata
{
    private const string Empty = "{}";
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public static string Encode(IReadOnlyDictionary<string, string> metadata) => metadata.Count == 0
        ? Empty
        : JsonSerializer.Serialize(new Dictionary<string, string>(metadata), StoreJsonContext.Default.DictionaryStringString);

    public static IReadOnlyDictionary<string, string> Decode(string text) => text == Empty
        ? None
        : JsonSerializer.Deserialize(text, StoreJsonContext.Default.DictionaryStringString) ?? None;
}
