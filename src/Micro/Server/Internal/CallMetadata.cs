using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>Builds a call's metadata from transport headers, leaving out the protocol's own.</summary>
internal static class CallMetadata
{
    public static IReadOnlyDictionary<string, string> From(Metadata headers)
    {
        var result = new Dictionary<string, string>(headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var entry in headers)
        {
            if (entry.IsBinary || IsProtocolHeader(entry.Key)) continue;
            result[entry.Key] = entry.Value;
        }
        return result;
    }

    public static IReadOnlyDictionary<string, string> From(IHeaderDictionary headers)
    {
        var result = new Dictionary<string, string>(headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in headers)
        {
            if (IsProtocolHeader(key)) continue;
            result[key.ToLowerInvariant()] = value.ToString();
        }
        return result;
    }

    private static bool IsProtocolHeader(string key) =>
        key.StartsWith(':') || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || key.Equals("te", StringComparison.OrdinalIgnoreCase) || key.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-length", StringComparison.OrdinalIgnoreCase) || key.Equals("host", StringComparison.OrdinalIgnoreCase)
        || key.Equals(CallCodec.Header, StringComparison.OrdinalIgnoreCase) || key.Equals(DeadlineHeader.Name, StringComparison.OrdinalIgnoreCase);
}
