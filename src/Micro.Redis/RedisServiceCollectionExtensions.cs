using Micro.Redis.Store;
using Micro.Redis.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Redis;

/// <summary>Registers every Redis plug-in.</summary>
public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// Makes every Redis plug-in selectable by configuration, without recompiling:
    /// <c>MICRO_STORE=redis</c> (<c>MICRO_STORE_ADDRESS</c>) and <c>MICRO_SYNC=redis</c> (<c>MICRO_SYNC_ADDRESS</c>).
    /// </summary>
    public static IServiceCollection AddRedisPlugins(this IServiceCollection services) =>
        services.AddRedisStorePlugin().AddRedisSyncPlugin();
}
