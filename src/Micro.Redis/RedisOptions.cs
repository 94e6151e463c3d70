namespace Micro.Redis;

/// <summary>Where Redis is: a StackExchange.Redis configuration string, e.g. "127.0.0.1:6379".</summary>
public sealed record RedisOptions
{
    public string Address { get; init; } = "127.0.0.1:6379";

    /// <summary>Every key Micro writes starts with this.</summary>
    public string Prefix { get; init; } = "micro:";
}
