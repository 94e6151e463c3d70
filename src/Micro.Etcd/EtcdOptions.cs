namespace Micro.Etcd;

/// <summary>Where etcd is. Read from <c>MICRO_{KIND}_ADDRESS</c> (e.g. MICRO_REGISTRY_ADDRESS) or set in code.</summary>
public sealed record EtcdOptions
{
    /// <summary>One or more host:port (or http://host:port), comma separated.</summary>
    public string Address { get; init; } = "127.0.0.1:2379";

    /// <summary>Every key Micro writes starts with this.</summary>
    public string Prefix { get; init; } = "/micro/";
}
