using Micro.Plugins;
using Micro.Redis.Store;
using Micro.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Micro.Redis;

public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// Makes "redis" selectable by configuration: MICRO_STORE=redis with MICRO_STORE_ADDRESS=host:port.
    /// One ConnectionMultiplexer per address is shared by everything in the container.
    /// </summary>
    public static IServiceCollection AddMicroRedis(this IServiceCollection services)
    {
        services.AddPlugin<IStore>("redis", sp => new RedisStore(Connect(sp, "store"), sp.GetService<StoreOptions>(), time: sp.GetService<TimeProvider>()));
        return services;
    }

    /// <summary>Uses Redis as the store, whatever the configuration says.</summary>
    public static IServiceCollection AddRedisStore(this IServiceCollection services, string address) =>
        services.AddSingleton<IStore>(sp => new RedisStore(ConnectionMultiplexer.Connect(address), sp.GetService<StoreOptions>(), time: sp.GetService<TimeProvider>(), ownsConnection: true));

    internal static IConnectionMultiplexer Connect(IServiceProvider services, string kind)
    {
        var address = MicroSettings.Address(services.GetRequiredService<IConfiguration>(), kind)
            ?? throw new InvalidOperationException($"MICRO_{kind.ToUpperInvariant()}=redis needs MICRO_{kind.ToUpperInvariant()}_ADDRESS (host:port)");
        return ConnectionMultiplexer.Connect(address);
    }
}
