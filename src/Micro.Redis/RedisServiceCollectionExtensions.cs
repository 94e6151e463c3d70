using Micro.Redis.Store;
using Micro.Redis.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Redis;

public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// Makes every Redis plug-in selectable by configuration, without recompiling:
    /// MICRO_STORE=redis (MICRO_STORE_ADDRESS) and MICRO_SYNC=redis (MICRO_SYNC_ADDRESS).
    /// </summary>
    public static IServiceCollection AddMicroRedis(this IServiceCollection services) =>
        services.AddMicroRedisStore().AddMicroRedisSync();
}
