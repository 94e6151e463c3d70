using Micro.Plugins;
using Micro.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro.Redis.Store;

/// <summary>Registers the Redis store.</summary>
public static class RedisStoreServiceCollectionExtensions
{
    /// <summary>Makes "redis" selectable by configuration: <c>MICRO_STORE=redis</c> with <c>MICRO_STORE_ADDRESS</c>=host:port.</summary>
    public static IServiceCollection AddRedisStorePlugin(this IServiceCollection services) =>
        services.AddMicroStore().AddPlugin<IStore>("redis", sp =>
        {
            var options = sp.GetRequiredService<IOptions<StoreOptions>>().Value;
            return new RedisStore(RedisConnection.Connect(options.Address, "Store"), options, sp.GetService<TimeProvider>()) { OwnsConnection = true };
        });

    /// <summary>Uses Redis as the store, whatever the configuration says; <paramref name="configure"/> sets its address and more.</summary>
    public static IServiceCollection UseRedisStore(this IServiceCollection services, Action<StoreOptions>? configure = null) =>
        services.AddRedisStorePlugin().UsePlugin("Store", "redis", configure);
}
