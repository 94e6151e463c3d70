using Micro.Broker;
using Micro.Cli.Calls;
using Micro.Client;
using Micro.Codec;
using Micro.Config;
using Micro.Etcd;
using Micro.Nats;
using Micro.Postgres;
using Micro.Redis;
using Micro.Sqlite;
using Micro.Registry;
using Micro.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.Cli.Hosting;

/// <summary>
/// The Micro pieces a command uses, chosen by the same settings as a service's (MICRO_REGISTRY, MICRO_STORE, ...,
/// appsettings.json in the working directory, <c>Micro:*</c> keys), built on first use so that <c>micro new</c> or
/// <c>micro store</c> never opens an mDNS socket.
/// </summary>
public sealed class CliServices : IAsyncDisposable
{
    private readonly Lazy<ServiceProvider> _provider;

    /// <summary>Services over <paramref name="configuration"/>; <paramref name="verbose"/> logs at Debug instead of Warning.</summary>
    public CliServices(IConfiguration configuration, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration;
        _provider = new Lazy<ServiceProvider>(() => Build(configuration, verbose));
    }

    /// <summary>The merged configuration the command runs with.</summary>
    public IConfiguration Configuration { get; }

    /// <summary>The DI container, for pieces without a property here.</summary>
    public IServiceProvider Provider => _provider.Value;

    /// <summary>The registry chosen by MICRO_REGISTRY (mdns by default).</summary>
    public IRegistry Registry => Provider.GetRequiredService<IRegistry>();

    /// <summary>The normal Micro client (discovery, selection, retries, deadlines, middleware).</summary>
    public IMicroClient Client => Provider.GetRequiredService<IMicroClient>();

    /// <summary>The broker chosen by MICRO_BROKER (http by default; nats, nats-core, memory).</summary>
    public IBroker Broker => Provider.GetRequiredService<IBroker>();

    /// <summary>The store chosen by MICRO_STORE (memory by default).</summary>
    public IStore Store => Provider.GetRequiredService<IStore>();

    /// <summary>The configuration as a service sees it.</summary>
    public IMicroConfig Config => Provider.GetRequiredService<IMicroConfig>();

    /// <summary>Logging that writes to stderr only (stdout carries results and the MCP protocol).</summary>
    public ILoggerFactory Logging => Provider.GetRequiredService<ILoggerFactory>();

    /// <summary>The interfaces the registry announces on (MICRO_REGISTRY_INTERFACES), so the tool's own listeners advertise what a service would.</summary>
    public IReadOnlyList<string>? RegistryInterfaces => Provider.GetService<Microsoft.Extensions.Options.IOptions<RegistryOptions>>()?.Value.Interfaces;

    private static ServiceProvider Build(IConfiguration configuration, bool verbose)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging(logging => logging
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter(level => level >= (verbose ? LogLevel.Debug : LogLevel.Error))); // a CLI reports its own one-line errors
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // Raw JSON (and raw protobuf) calls: the tool has no service types, the bytes pass through.
        services.AddSingleton<ICodec>(new PassThroughCodec(new JsonCodec()));
        services.AddSingleton<ICodec>(new PassThroughCodec(new ProtobufCodec()));
        services.AddEtcdPlugins();
        services.AddRedisPlugins();
        services.AddPostgresPlugins();
        services.AddSqlitePlugins(); // MICRO_STORE=file
        services.AddNatsPlugins(); // MICRO_BROKER=nats, nats-core
        // The HTTP broker's outbox lives in memory unless configured: the tool waits for delivery before it reports
        // success (micro publish), so a message is never left in a file in whatever folder the tool ran from.
        services.AddPublishMiddleware(new Messaging.JsonTypeHeader());
        services.AddMicroOptions<BrokerOptions>("Broker", o =>
        {
            if (new MicroSettings(configuration, "Broker").String(nameof(BrokerOptions.Outbox)) is null) o.Outbox = "memory";
        });
        services.AddMicro();
        return services.BuildServiceProvider();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_provider.IsValueCreated) await _provider.Value.DisposeAsync().ConfigureAwait(false);
    }
}
