using Micro.Broker;
using Micro.Broker.Http;
using Micro.Plugins;
using Micro.Sqlite.Broker;
using Micro.Sqlite.Store;
using Micro.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro.Sqlite;

/// <summary>Registers the SQLite pieces: the file store and the HTTP broker's durable file outbox.</summary>
public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Makes "file" selectable by configuration: the store (<c>MICRO_STORE=file</c> with <c>MICRO_STORE_ADDRESS</c>=a folder, a
    /// per-user folder when unset) and the HTTP broker's outbox (<c>MICRO_BROKER_OUTBOX=file</c>, the default, in
    /// <c>MICRO_BROKER_OUTBOX_PATH</c> or micro-data/&lt;service&gt;): a publish that returned survives the process being killed.
    /// </summary>
    public static IServiceCollection AddSqlitePlugins(this IServiceCollection services)
    {
        services.AddMicroStore().AddPlugin<IStore>("file", sp => new FileStore(
            sp.GetRequiredService<IOptions<StoreOptions>>().Value, sp.GetService<TimeProvider>()));
        services.AddPlugin<IOutbox>("file", sp => SqliteOutbox.Open(BrokerServiceCollectionExtensions.OutboxFolder(sp), "outbox"));
        return services;
    }

    /// <summary>Uses the file store, whatever the configuration says; <paramref name="configure"/> sets its folder (<see cref="StoreOptions.Address"/>) and more.</summary>
    public static IServiceCollection UseFileStore(this IServiceCollection services, Action<StoreOptions>? configure = null) =>
        services.AddSqlitePlugins().UsePlugin("Store", "file", configure);
}
