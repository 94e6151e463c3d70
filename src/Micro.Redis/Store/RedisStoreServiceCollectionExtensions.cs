using Micro.Plugins;
using Micro.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Micro.Redis.Store;

public static class RedisStoreServiceCollectionExtensions
{
    /// <summary>Makes "redis" selectable by configuration: MICRO_STORE=redis with MICRO_STORE_ADDRESS=host:port.</summary>
    public static IServiceCollection AddMicroRedisStore(this IServiceCollection services) =>
        services.AddPlugin<IStore>("redis", sp => new RedisStore(RedisConnection.Connect(sp, "store"), sp.GetService<StoreOptions>(), time: sp.GetService<TimeProvider>(), ownsConnection: true));

    /// <summary>Uses Redis as the store, whatever the configuration says.</summary>
    public static IServiceCollection AddRedisStore(this IServiceCollection services, string address) =>
        services.AddSingleton<IStore>(sp => new RedisStore(ConnectionMultiplexer.Connect(address), sp.GetService<StoreOptions>(), time: sp.GetService<TimeProvider>(), ownsConnection: true));
}
