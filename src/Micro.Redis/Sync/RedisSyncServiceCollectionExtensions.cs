using Micro.Plugins;
using Micro.Sync;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Micro.Redis.Sync;

public static class RedisSyncServiceCollectionExtensions
{
    /// <summary>Makes "redis" selectable by configuration: MICRO_SYNC=redis with MICRO_SYNC_ADDRESS=host:port.</summary>
    public static IServiceCollection AddMicroRedisSync(this IServiceCollection services) =>
        services.AddPlugin<ISync>("redis", sp => new RedisSync(
            RedisConnection.Connect(MicroSettings.Address(sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(), "sync"), "Sync"), time: sp.GetService<TimeProvider>(), ownsConnection: true));

    /// <summary>Uses Redis for locks and elections, whatever the configuration says.</summary>
    public static IServiceCollection AddRedisSync(this IServiceCollection services, string address) =>
        services.AddSingleton<ISync>(sp => new RedisSync(
            ConnectionMultiplexer.Connect(address), time: sp.GetService<TimeProvider>(), ownsConnection: true));
}
