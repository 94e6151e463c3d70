using Micro.Plugins;
using Micro.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Redis.Sync;

/// <summary>Registers the Redis sync.</summary>
public static class RedisSyncServiceCollectionExtensions
{
    /// <summary>Makes "redis" selectable by configuration: <c>MICRO_SYNC=redis</c> with <c>MICRO_SYNC_ADDRESS</c>=host:port.</summary>
    public static IServiceCollection AddRedisSyncPlugin(this IServiceCollection services) =>
        services.AddMicroSync().AddPlugin<ISync>("redis", sp =>
        {
            var options = sp.GetRequiredService<IOptions<SyncOptions>>().Value;
            return new RedisSync(RedisConnection.Connect(options.Address, "Sync"), options, sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger("Micro.Sync")) { OwnsConnection = true };
        });

    /// <summary>Uses Redis for locks and elections, whatever the configuration says; <paramref name="configure"/> sets its address and more.</summary>
    public static IServiceCollection UseRedisSync(this IServiceCollection services, Action<SyncOptions>? configure = null) =>
        services.AddRedisSyncPlugin().UsePlugin("Sync", "redis", configure);
}
