using StackExchange.Redis;

namespace Micro.Redis;

/// <summary>Connects the plug-in chosen for one piece (store, sync) to the Redis its options name.</summary>
internal static class RedisConnection
{
    /// <summary>A new connection to <paramref name="address"/>; a clear error naming the setting when there is none.</summary>
    internal static IConnectionMultiplexer Connect(string? address, string piece)
    {
        if (string.IsNullOrWhiteSpace(address))
            throw new InvalidOperationException($"the redis {piece.ToLowerInvariant()} needs an address (host:port): set {MicroSettings.Describe(piece, "Address")}");
        return ConnectionMultiplexer.Connect(address);
    }
}
