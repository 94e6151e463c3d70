using dotnet_etcd;

namespace Micro.Etcd;

/// <summary>
/// Builds the long-lived, thread-safe <see cref="EtcdClient"/> that the etcd registry, config source
/// and sync share (one per address, like a StackExchange.Redis multiplexer).
/// </summary>
public static class EtcdConnection
{
    /// <summary>A client for <see cref="EtcdOptions.Address"/> (comma-separated; <c>http://</c> added when no scheme is given).</summary>
    public static EtcdClient Create(EtcdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoints = string.Join(',', options.Address
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => a.Contains("://", StringComparison.Ordinal) ? a : "http://" + a));
        return new EtcdClient(endpoints);
    }
}
