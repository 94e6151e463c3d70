using dotnet_etcd;

namespace Micro.Etcd;

/// <summary>
/// Builds the long-lived, thread-safe <see cref="EtcdClient"/> that etcd pieces can share (one per address, like a
/// StackExchange.Redis multiplexer): the deliberate escape hatch behind <c>new EtcdRegistry(client, ...)</c> and
/// <c>new EtcdSync(client, ...)</c>. Configured pieces (<c>MICRO_REGISTRY=etcd</c>, <c>UseEtcdSync()</c>) make their own.
/// </summary>
public static class EtcdConnection
{
    /// <summary>Where etcd listens by default: only the configuration source falls back to it.</summary>
    internal const string DefaultAddress = "127.0.0.1:2379";

    /// <summary>A client for <paramref name="address"/>: host:port, comma-separated for a cluster (<c>http://</c> added when no scheme is given).</summary>
    public static EtcdClient Create(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        var endpoints = string.Join(',', address
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => a.Contains("://", StringComparison.Ordinal) ? a : "http://" + a));
        return new EtcdClient(endpoints);
    }
}
