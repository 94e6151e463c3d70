using Micro.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Micro.Redis;

/// <summary>Connects the plug-in chosen for one piece (store, sync) to the Redis its settings name.</summary>
internal static class RedisConnection
{
    internal static IConnectionMultiplexer Connect(IServiceProvider services, string kind)
    {
        var address = MicroSettings.Address(services.GetRequiredService<IConfiguration>(), kind)
            ?? throw new InvalidOperationException($"MICRO_{kind.ToUpperInvariant()}=redis needs MICRO_{kind.ToUpperInvariant()}_ADDRESS (host:port)");
        return ConnectionMultiplexer.Connect(address);
    }
}
