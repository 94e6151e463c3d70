using Micro.Plugins;
using Micro.Sqlite.Store;
using Micro.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro.Sqlite;

/// <summary>Registers the SQLite file store.</summary>
public static class SqliteServiceCollectionExtensions
{
    /// <summary>Makes "file" selectable by configuration: <c>MICRO_STORE=file</c> with <c>MICRO_STORE_ADDRESS</c>=a folder (a per-user folder when unset).</summary>
    public static IServiceCollection AddSqlitePlugins(this IServiceCollection services) =>
        services.AddMicroStore().AddPlugin<IStore>("file", sp => new FileStore(
            sp.GetRequiredService<IOptions<StoreOptions>>().Value, sp.GetService<TimeProvider>()));

    /// <summary>Uses the file store, whatever the configuration says; <paramref name="configure"/> sets its folder (<see cref="StoreOptions.Address"/>) and more.</summary>
    public static IServiceCollection UseFileStore(this IServiceCollection services, Action<StoreOptions>? configure = null) =>
        services.AddSqlitePlugins().UsePlugin("Store", "file", configure);
}
